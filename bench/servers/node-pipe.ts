/**
 * The floor of moving RTMP bytes through Node: a TCP pass-through on argv[2] that relays every
 * connection, both ways, to argv[3] (nginx-rtmp, in `bench/calls.ts` and `bench/fanout.ts`). It parses
 * nothing, caches nothing and never looks inside a message; it reads each socket into one shared
 * buffer (as our gateway reads) and writes a copy of what it read to the other side. In front of
 * nginx-rtmp it carries every byte twice (publisher → nginx-rtmp, nginx-rtmp → player) where a media
 * server reads it once and writes it once, so about half its CPU and memory is what Node's read and
 * write path alone costs for the job: an estimate of the floor a TypeScript media server starts from.
 */
import net from 'node:net';
import { adoptWithReadBuffer } from '../../packages/rtmp/src/server/read-buffer.js';

const port = Number(process.argv[2]);
const upstream = Number(process.argv[3]);
const shared = Buffer.allocUnsafe(64 * 1024);

/** Writes a copy of `data` (a view of the shared buffer) to `to`, pausing `from` while `to` is backed up. */
function relay(data: Uint8Array, to: net.Socket, from: net.Socket): void {
  if (!to.write(Buffer.from(data))) {
    from.pause();
    to.once('drain', () => from.resume());
  }
}

const server = net.createServer({ noDelay: true, pauseOnConnect: true }, (accepted) => {
  let client = accepted;
  const up: net.Socket = net.connect({
    port: upstream,
    host: '127.0.0.1',
    noDelay: true,
    onread: {
      buffer: shared,
      callback: (n: number, buf: Uint8Array) => {
        relay(buf.subarray(0, n), client, up);
        return true;
      },
    },
  });
  // The accepted side reads into the shared buffer as our gateway does (the same handle move).
  client = adoptWithReadBuffer(accepted, shared, (d) => relay(d, up, client)) ?? accepted;
  if (client === accepted) {
    up.destroy();
    accepted.destroy();
    return;
  }
  const close = () => {
    client.destroy();
    up.destroy();
  };
  client.on('error', close).on('close', close);
  up.on('error', close).on('close', close);
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`ready ${port}\n`));
process.on('SIGTERM', () => process.exit(0));

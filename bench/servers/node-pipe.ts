/**
 * The floor of moving RTMP bytes through Node: a TCP pass-through on argv[2] that relays every
 * connection, both ways, to argv[3] (nginx-rtmp in `bench/calls.ts`). It parses nothing, caches
 * nothing and never looks inside a message; it only reads each socket and writes what it read to the
 * other side. Measured in front of nginx-rtmp, it carries every byte twice (publisher → nginx, nginx →
 * player) where a media server reads once and writes once, so half its CPU is what Node's read and
 * write path alone costs for the job — the part no TypeScript media server can go below.
 *
 * BENCH_PIPE_MODE=onread (default) reads into one shared buffer and writes a copy of each read (the
 * cheapest Node offers, as our gateway reads); BENCH_PIPE_MODE=pipe uses `stream.pipe` both ways.
 */
import net from 'node:net';
import { adoptWithReadBuffer } from '../../packages/rtmp/src/server/read-buffer.js';

const port = Number(process.argv[2]);
const upstream = Number(process.argv[3]);
const mode = process.env.BENCH_PIPE_MODE ?? 'onread';
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
  let up: net.Socket;
  if (mode === 'pipe') {
    up = net.connect({ port: upstream, host: '127.0.0.1', noDelay: true });
    client.pipe(up);
    up.pipe(client);
    client.resume();
  } else {
    up = net.connect({
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
    // The accepted side reads into the shared buffer as our gateway does (same handle move).
    client = adoptWithReadBuffer(accepted, shared, (d) => relay(d, up, client)) ?? accepted;
    if (client === accepted) throw new Error('accepted socket without a handle');
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

/**
 * Fan-out benchmark (not part of `npm test`): one synthetic publisher at a real-time ~2 Mbit/s,
 * N RTMP players that only count bytes, for D seconds. Prints delivered bytes and the CPU time
 * of this process (server + cheap clients).
 *
 *   node --conditions=source --import tsx test/bench-fanout.ts [players=50] [seconds=10]
 */
import { connect } from 'node:net';
import { MessageType, writeMessage } from '../src/protocol/chunk-writer.js';
import { MediaServer } from '../src/index.js';
import { chunkSize4096, clientScript, tags } from './helpers.js';

const players = Number(process.argv[2] ?? 50);
const seconds = Number(process.argv[3] ?? 10);

const server = new MediaServer({ rtmpPort: 0 });
await server.listen();
const port = server.rtmpPort;

const pub = connect(port, '127.0.0.1');
const started = new Promise<void>((resolve) => server.once('publishStart', () => resolve()));
pub.write(Buffer.concat(clientScript('publish', 'live', 'bench')));
pub.resume();
await started;
pub.write(chunkSize4096);
pub.write(writeMessage(6, MessageType.VIDEO, 1, 0, tags.avcHeader, 4096));

const received: number[] = new Array(players).fill(0);
const socks = Array.from({ length: players }, (_, i) => {
  const s = connect(port, '127.0.0.1');
  s.write(Buffer.concat(clientScript('play', 'live', 'bench')));
  s.on('data', (d) => {
    received[i]! += d.length;
  });
  return s;
});

const cpu0 = process.cpuUsage();
const t0 = Date.now();
let frame = 0;
let sentPayload = 0;
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const key = frame % 50 === 0;
    const body = key ? tags.avcKey(60_000) : tags.avcInter(9_000);
    sentPayload += body.length;
    pub.write(writeMessage(6, MessageType.VIDEO, 1, frame * 40, body, 4096));
    frame++;
    if (Date.now() - t0 >= seconds * 1000) {
      clearInterval(timer);
      resolve();
    }
  }, 40);
});
const cpu = process.cpuUsage(cpu0);
const total = received.reduce((a, b) => a + b, 0);
const min = Math.min(...received);
console.log(
  JSON.stringify({
    players,
    seconds,
    frames: frame,
    publishedMbit: +((sentPayload * 8) / 1e6 / seconds).toFixed(2),
    deliveredMiB: +(total / 1048576).toFixed(1),
    minPerPlayerMiB: +(min / 1048576).toFixed(2),
    cpuUserMs: Math.round(cpu.user / 1000),
    cpuSystemMs: Math.round(cpu.system / 1000),
    cpuPercentOfOneCore: +(((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100).toFixed(1),
  }),
);
for (const s of socks) s.destroy();
pub.destroy();
await server.close();

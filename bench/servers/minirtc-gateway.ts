/**
 * Our gateway as a bare process for benchmarks: allow-all authorizer, RTMP on argv[2].
 * Bundled by bench/fanout.ts with esbuild and run with plain node, so no loader sits in the measurement.
 */
import { appendFileSync } from 'node:fs';
import { MediaServer } from '@minirtc/rtmp';

const port = Number(process.argv[2] ?? 1935);
// BENCH_SHARED_READ_BUFFER=0 reads sockets the ordinary way (a new buffer per read), for before/after runs.
const server = new MediaServer({
  host: '127.0.0.1',
  rtmpPort: port,
  httpPort: null,
  sharedReadBuffer: process.env.BENCH_SHARED_READ_BUFFER !== '0',
});
await server.listen();
process.stdout.write(`ready ${server.rtmpPort}\n`);
// BENCH_GC_MS=n (with --expose-gc) runs a full collection every n ms: how much of RSS is garbage awaiting one.
const gcEvery = Number(process.env.BENCH_GC_MS ?? 0);
const gc = (globalThis as { gc?: () => void }).gc;
if (gcEvery > 0 && gc) setInterval(gc, gcEvery).unref();
// `kill -USR2 <pid>` prints where memory goes (heap vs buffers), for RSS investigations.
process.on('SIGUSR2', () => {
  // With --expose-gc, collect first so the report shows live memory, not garbage awaiting a scavenge.
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const mb = (o: object) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v / 1048576)]));
  const line = `memory ${JSON.stringify(mb(m))} gop ${JSON.stringify(mb(server.gopMemory()))} MB\n`;
  // The bench does not read our stdout once we are ready: BENCH_MEMORY_FILE collects the reports.
  if (process.env.BENCH_MEMORY_FILE) appendFileSync(process.env.BENCH_MEMORY_FILE, line);
  else process.stdout.write(line);
});
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});

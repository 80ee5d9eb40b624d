/**
 * The `minirtc loadtest` probe, run in a worker thread of its own (see {@link startProbe}): one user
 * alone in a room, timing `ping` round trips every 25 ms until told to stop. In its own thread its
 * timing is not held up by the load client's event loop, which is busy with thousands of sockets.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { LoadUser, type LoadUserSpec } from './loadtest-client.js';

const spec = workerData as LoadUserSpec;
const port = parentPort;
const rtts: number[] = [];
let running = true;
port?.on('message', () => {
  running = false;
});
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const u = new LoadUser(spec, () => {});
try {
  await u.login();
  port?.postMessage({ ready: true });
  // 40 pings a second at most: within the per-connection request rate.
  while (running) {
    const t = performance.now();
    await u.ping();
    rtts.push(performance.now() - t);
    const left = 25 - (performance.now() - t);
    if (left > 1) await wait(left);
  }
  port?.postMessage({ rtts });
} catch (e) {
  port?.postMessage({ error: (e as Error).message, rtts });
} finally {
  u.close();
  port?.close();
}

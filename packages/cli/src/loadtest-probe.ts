import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LoadUserSpec } from './loadtest-client.js';
import { percentiles } from './loadtest-stats.js';

/** The probe of `minirtc loadtest`: a user alone in its room, timing pings while the others' rooms are busy. */
export interface Probe {
  /** Stops pinging and collects the round trips. */
  stop(): Promise<void>;
  /** Round-trip percentiles (ms) and how many pings; null when none came back. */
  result(): { p50: number; p99: number; max: number; count: number } | null;
}

/**
 * The worker: the bundled `.js` beside the CLI build, else (tests and tsx runs, where a worker does not
 * inherit the TypeScript loader) the source, loaded through tsx's API.
 */
function probeWorker(spec: LoadUserSpec): Worker {
  const js = fileURLToPath(new URL('./loadtest-probe-main.js', import.meta.url));
  if (existsSync(js)) return new Worker(js, { workerData: spec });
  const ts = new URL('./loadtest-probe-main.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(ts)}); })`;
  return new Worker(boot, { eval: true, workerData: spec });
}

/**
 * Starts the probe in a worker thread (its own event loop, so the load client's busy loop does not
 * delay its timing) and resolves once it has logged in; null (with the reason in `errors`) when it
 * could not.
 */
export function startProbe(spec: LoadUserSpec, errors: Set<string>): Promise<Probe | null> {
  const worker = probeWorker(spec);
  let rtts: number[] = [];
  let finished: () => void = () => {};
  const done = new Promise<void>((r) => {
    finished = r;
  });
  return new Promise((resolve) => {
    const fail = (why: string) => {
      if (errors.size < 5) errors.add(`probe: ${why}`);
    };
    worker.on('error', (e) => {
      fail(e.message);
      resolve(null);
      finished();
    });
    worker.on('exit', () => {
      resolve(null);
      finished();
    });
    worker.on('message', (m: { ready?: boolean; rtts?: number[]; error?: string }) => {
      if (m.error) fail(m.error);
      if (m.rtts) {
        rtts = m.rtts;
        finished();
      }
      if (m.ready)
        resolve({
          async stop() {
            worker.postMessage('stop');
            await done;
            await worker.terminate();
          },
          result() {
            const p = percentiles(rtts);
            return p ? { ...p, count: rtts.length } : null;
          },
        });
    });
  });
}

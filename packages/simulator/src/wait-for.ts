import { SimulatorError, SimulatorErrorCode } from './errors.js';
import type { Payloads, TypedEmitter } from '@minirtc/protocol/emitter';

/** Default bound of the wait helpers: long enough for ffmpeg start-up on a loaded 2-core machine. */
export const DEFAULT_WAIT_MS = 20_000;

/**
 * Resolves with the payload of the next `name` event for which `predicate` holds. The timeout is a bound,
 * not a sleep: the promise settles as soon as the event arrives.
 */
export function waitForEvent<P, K extends keyof P>(
  emitter: TypedEmitter<Payloads<P>>,
  name: K,
  predicate: (payload: P[K]) => boolean = () => true,
  timeoutMs = DEFAULT_WAIT_MS,
): Promise<P[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(
        new SimulatorError(
          SimulatorErrorCode.WAIT_TIMEOUT,
          `no '${String(name)}' event within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    const off = emitter.on(name, ((p: P[K]) => {
      if (!predicate(p)) return;
      clearTimeout(timer);
      off();
      resolve(p);
    }) as Payloads<P>[K]);
  });
}

/** Anything that can say "something happened": a {@link TypedEmitter}, or a test's own server emitter. */
export interface Observable {
  onAny(cb: () => void): () => void;
}

/** Options of {@link waitUntil}. */
export interface WaitOptions {
  /** Bound of the wait; {@link DEFAULT_WAIT_MS} by default. */
  timeoutMs?: number;
  /** Named in the timeout error. */
  what?: string;
  /** More sources whose events re-check the condition (e.g. a test server's emitter). */
  also?: Observable[];
}

/**
 * Resolves once `condition` returns a truthy value, checking now and again after every event of the
 * sources (renders, app callbacks, media progress …), so state that events announce is seen at once.
 */
export function waitUntil<T>(
  sources: Observable | Observable[],
  condition: () => T | undefined | null | false,
  opts: WaitOptions = {},
): Promise<T> {
  const { timeoutMs = DEFAULT_WAIT_MS, what = 'condition' } = opts;
  const all = [...(Array.isArray(sources) ? sources : [sources]), ...(opts.also ?? [])];
  return new Promise((resolve, reject) => {
    const first = condition();
    if (first) {
      resolve(first);
      return;
    }
    const timer = setTimeout(() => {
      off();
      reject(
        new SimulatorError(SimulatorErrorCode.WAIT_TIMEOUT, `${what} did not hold within ${timeoutMs} ms`),
      );
    }, timeoutMs);
    const offs = all.map((src) => src.onAny(check));
    const off = (): void => {
      for (const o of offs) o();
    };
    function check(): void {
      let v: T | undefined | null | false;
      try {
        v = condition();
      } catch (e) {
        clearTimeout(timer);
        off();
        reject(e);
        return;
      }
      if (!v) return;
      clearTimeout(timer);
      off();
      resolve(v);
    }
  });
}

/** Something with ZEGO-style `on`/`off`. */
export interface Onable {
  // biome-ignore lint/suspicious/noExplicitAny: test helper over any event signature
  on(event: any, cb: (...args: any[]) => void): boolean;
  // biome-ignore lint/suspicious/noExplicitAny: test helper over any event signature
  off(event: any, cb?: (...args: any[]) => void): boolean;
}

/**
 * Resolves with the arguments of the first `event` whose arguments satisfy `predicate`. Rejects after
 * `timeoutMs` naming the event, so a missing event fails the test instead of hanging it.
 */
export function once<A extends unknown[] = unknown[]>(
  target: Onable,
  event: string,
  predicate: (...args: A) => boolean = () => true,
  timeoutMs = 5000,
): Promise<A> {
  return new Promise<A>((resolve, reject) => {
    const cb = (...args: unknown[]) => {
      if (!predicate(...(args as A))) return;
      clearTimeout(timer);
      target.off(event, cb);
      resolve(args as A);
    };
    const timer = setTimeout(() => {
      target.off(event, cb);
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    target.on(event, cb);
  });
}

/** Records every emission of some events, in order, as `[event, ...args]`. */
export function record(target: Onable, events: string[]): unknown[][] {
  const out: unknown[][] = [];
  for (const e of events) target.on(e, (...args: unknown[]) => out.push([e, ...args]));
  return out;
}

import type { ZegoExpressEngine } from '@minirtc/sdk';

/** Resolves with the arguments of the next `name` event of `engine` for which `pred` holds. */
export function nextEvent(
  engine: ZegoExpressEngine,
  name: string,
  pred: (...args: unknown[]) => boolean = () => true,
  timeoutMs = 15_000,
): Promise<unknown[]> {
  const on = engine.on.bind(engine) as (n: string, cb: (...a: unknown[]) => void) => void;
  const off = engine.off.bind(engine) as (n: string, cb: (...a: unknown[]) => void) => void;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off(name, cb);
      reject(new Error(`no ${name} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const cb = (...args: unknown[]): void => {
      if (!pred(...args)) return;
      clearTimeout(timer);
      off(name, cb);
      resolve(args);
    };
    on(name, cb);
  });
}

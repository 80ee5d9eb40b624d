/** Longest delay `setTimeout` takes (2^31−1 ms, about 24.8 days); Node fires longer ones at once. */
const MAX_DELAY = 2 ** 31 - 1;

/** A cancellable timer handle. */
export interface LongTimer {
  cancel(): void;
}

/**
 * A `setTimeout` for delays beyond 24.8 days (token lifetimes can be longer), unref'd so pending
 * token timers never keep a process alive.
 */
export function setLongTimeout(fn: () => void, delayMs: number): LongTimer {
  let handle: NodeJS.Timeout;
  const arm = (remaining: number): void => {
    handle = setTimeout(
      () => {
        if (remaining > MAX_DELAY) arm(remaining - MAX_DELAY);
        else fn();
      },
      Math.min(remaining, MAX_DELAY),
    );
    handle.unref();
  };
  arm(Math.max(0, delayMs));
  return { cancel: () => clearTimeout(handle) };
}

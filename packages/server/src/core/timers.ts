/** Longest delay `setTimeout` takes (2^31−1 ms, about 24.8 days); Node fires longer ones at once. */
const MAX_DELAY = 2 ** 31 - 1;

/** A cancellable timer handle. */
export interface LongTimer {
  cancel(): void;
}

/**
 * A `setTimeout` for delays beyond 24.8 days (token lifetimes can be longer), unref'd so pending
 * token timers never keep a process alive. `maxChunkMs` exists for tests of the re-arming path.
 */
export function setLongTimeout(fn: () => void, delayMs: number, maxChunkMs: number = MAX_DELAY): LongTimer {
  let handle: NodeJS.Timeout;
  const arm = (remaining: number): void => {
    handle = setTimeout(
      () => {
        if (remaining > maxChunkMs) arm(remaining - maxChunkMs);
        else fn();
      },
      Math.min(remaining, maxChunkMs),
    );
    handle.unref();
  };
  arm(Math.max(0, delayMs));
  return { cancel: () => clearTimeout(handle) };
}

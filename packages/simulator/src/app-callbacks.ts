/**
 * How platform code reaches the app: every callback into app code goes through here so that a throwing
 * app callback is reported (as the device logs it) instead of crashing the Node process, and so that
 * nothing fires after the instance closed.
 */
export interface AppCallbacks {
  /** Calls `fn` (if it is a function) with `args`; a throw is reported, not propagated. */
  call(fn: unknown, ...args: unknown[]): void;
  /** Runs `fn` on a later macrotask, as the device delivers API callbacks; dropped after close. */
  defer(fn: () => void): void;
}

/** The `success` / `fail` / `complete` options every Alipay async API takes. */
export interface AsyncCallbackOptions {
  success?: unknown;
  fail?: unknown;
  complete?: unknown;
}

/** Completes an Alipay-style async call later: `success(res)` or `fail(err)`, then `complete(res|err)`. */
export function settle(
  cb: AppCallbacks,
  opts: AsyncCallbackOptions | undefined,
  ok: boolean,
  res: unknown,
): void {
  cb.defer(() => {
    cb.call(ok ? opts?.success : opts?.fail, res);
    cb.call(opts?.complete, res);
  });
}

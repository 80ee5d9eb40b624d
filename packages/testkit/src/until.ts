/**
 * Waits until `cond` holds on state the test cannot subscribe to (shared state in Redis), asking
 * again every `everyMs`; fails after `timeoutMs` saying what was awaited.
 */
export async function until(
  cond: () => Promise<boolean>,
  what = 'condition',
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

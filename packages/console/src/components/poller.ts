/**
 * Runs `tick` now and then every `intervalMs` after the previous run finished (never two at once),
 * until the returned stop function is called. A failing tick does not stop the loop.
 */
export function poll(tick: () => Promise<void>, intervalMs: number): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async (): Promise<void> => {
    try {
      await tick();
    } catch {
      // The tick reports its own errors; the loop goes on so a blip does not freeze the view.
    }
    if (!stopped) timer = setTimeout(run, intervalMs);
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

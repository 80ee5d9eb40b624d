/** Any map of event name → callback (an interface works too: no index signature needed). */
// biome-ignore lint/suspicious/noExplicitAny: callbacks of any signature are the point of this map
export type EventMap<E> = { [K in keyof E]: (...args: any[]) => void };

/**
 * A minimal typed event emitter. No Node `events` (the mini-program has none), and a listener that
 * throws must not break the SDK's own state handling, so errors go to `onListenerError` instead.
 */
export class TypedEmitter<E extends EventMap<E>> {
  private readonly listeners = new Map<keyof E, E[keyof E][]>();

  /** Called when a listener throws; default: rethrown asynchronously so it still surfaces. */
  onListenerError: (event: keyof E, err: unknown) => void = (_event, err) => {
    setTimeout(() => {
      throw err;
    }, 0);
  };

  /** Adds a listener. Returns false for a non-function callback (ZEGO returns a boolean too). */
  on<K extends keyof E>(event: K, cb: E[K]): boolean {
    if (typeof cb !== 'function') return false;
    const list = this.listeners.get(event) ?? [];
    list.push(cb);
    this.listeners.set(event, list);
    return true;
  }

  /** Removes one listener, or every listener of `event` when `cb` is omitted. */
  off<K extends keyof E>(event: K, cb?: E[K]): boolean {
    const list = this.listeners.get(event);
    if (!list) return false;
    if (!cb) return this.listeners.delete(event);
    const i = list.indexOf(cb);
    if (i < 0) return false;
    list.splice(i, 1);
    return true;
  }

  /** Number of listeners of `event`. */
  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /** Calls every listener of `event` in registration order; a copy guards against on/off inside a callback. */
  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const list = this.listeners.get(event);
    if (!list) return;
    for (const cb of list.slice()) {
      try {
        cb(...args);
      } catch (err) {
        this.onListenerError(event, err);
      }
    }
  }
}

/** A map from event name to the listener's argument. */
export type EventMap = Record<string, unknown>;

/**
 * A small typed event emitter (one payload per event), so `on('rtmpEvent', e => e.code)` is checked at
 * compile time. Listener errors are not caught here: they are the test's or the caller's bugs.
 */
export class TypedEmitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Set<(payload: never) => void>>();
  private readonly anyListeners = new Set<(name: keyof E, payload: unknown) => void>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof E>(name: K, cb: (payload: E[K]) => void): () => void {
    let set = this.listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(cb as (payload: never) => void);
    return () => this.off(name, cb);
  }

  /** Removes a listener added with {@link TypedEmitter.on}. */
  off<K extends keyof E>(name: K, cb: (payload: E[K]) => void): void {
    this.listeners.get(name)?.delete(cb as (payload: never) => void);
  }

  /** Adds a listener called once, then removed. */
  once<K extends keyof E>(name: K, cb: (payload: E[K]) => void): () => void {
    const off = this.on(name, (p) => {
      off();
      cb(p);
    });
    return off;
  }

  /** Listens to every event; used by wait helpers that re-check a condition after any change. */
  onAny(cb: (name: keyof E, payload: unknown) => void): () => void {
    this.anyListeners.add(cb);
    return () => this.anyListeners.delete(cb);
  }

  /** Calls the listeners of `name` with `payload`, in the order they were added. */
  emit<K extends keyof E>(name: K, payload: E[K]): void {
    for (const cb of [...(this.listeners.get(name) ?? [])]) (cb as (p: E[K]) => void)(payload);
    for (const cb of [...this.anyListeners]) cb(name, payload);
  }
}

/**
 * The one typed event emitter of MiniRTC, shared by every package (SDK, RTMP, simulator, server).
 * No Node `events`: the mini-program has none, so the SDK bundle can carry it.
 *
 * Listener errors, the one behaviour: a listener that throws never stops the other listeners of the
 * event. Once every listener has run, each error goes to {@link TypedEmitter.onListenerError}. By
 * default it is rethrown on a fresh task, so it surfaces as an uncaught exception (a failing test, a
 * crash report) and never unwinds through the emitter's own state handling. An owner may choose
 * otherwise: the SDK engine logs it (an app's bug must not break the SDK), the RTMP server uses
 * {@link throwListenerError} so the connection whose input triggered the bug is the one closed.
 * @packageDocumentation
 */

/** Any map of event name → callback (an interface works too: no index signature needed). */
// biome-ignore lint/suspicious/noExplicitAny: callbacks of any signature are the point of this map
export type EventMap<E> = { [K in keyof E]: (...args: any[]) => void };

/** Rethrows `err` on a fresh task: the default {@link TypedEmitter.onListenerError}. */
function rethrowLater(_event: unknown, err: unknown): void {
  setTimeout(() => {
    throw err;
  }, 0);
}

/** An event map from a map of one payload per event: `Payloads<{ tick: number }>` = `{ tick: (p: number) => void }`. */
export type Payloads<P> = { [K in keyof P]: (payload: P[K]) => void };

/**
 * An `onListenerError` that throws the error from `emit`, after every listener has run: for owners
 * whose caller has a recovery path for its own bugs (the RTMP connection closes itself).
 */
export function throwListenerError(_event: unknown, err: unknown): never {
  throw err;
}

/**
 * A small typed event emitter: event names and listener arguments are checked by the compiler.
 * The method names follow Node's EventEmitter (`on`, `once`, `off`, `emit`, `listenerCount`,
 * `removeListener`, `removeAllListeners`), so `events.once(emitter, name)` works on it too; `on` and
 * `once` return a function that removes the listener.
 */
export class TypedEmitter<E extends EventMap<E>> {
  private readonly listeners = new Map<keyof E, E[keyof E][]>();
  private anyListeners: ((event: keyof E, ...args: unknown[]) => void)[] = [];

  /** Called when a listener throws; default: rethrown on a fresh task so it still surfaces. */
  onListenerError: (event: keyof E, err: unknown) => void = rethrowLater;

  /**
   * Adds a listener (ignored when `cb` is not a function: a ZEGO app may pass anything); returns a
   * function that removes it.
   */
  on<K extends keyof E>(event: K, cb: E[K]): () => void {
    if (typeof cb !== 'function') return () => {};
    const list = this.listeners.get(event);
    if (list) list.push(cb);
    else this.listeners.set(event, [cb]);
    return () => this.off(event, cb);
  }

  /** Adds a listener called at most once; returns a function that removes it. */
  once<K extends keyof E>(event: K, cb: E[K]): () => void {
    const wrapper = ((...args: unknown[]) => {
      this.off(event, wrapper);
      cb(...args);
    }) as E[K];
    (wrapper as { listener?: unknown }).listener = cb;
    return this.on(event, wrapper);
  }

  /** Removes one listener (also one added with `once`), or every listener of `event` when `cb` is omitted. */
  off<K extends keyof E>(event: K, cb?: E[K]): this {
    const list = this.listeners.get(event);
    if (!list) return this;
    if (cb === undefined) {
      this.listeners.delete(event);
      return this;
    }
    const i = list.findIndex((x) => x === cb || (x as { listener?: unknown }).listener === cb);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.listeners.delete(event);
    return this;
  }

  /** Same as {@link TypedEmitter.off} with a callback (Node's name, used by `events.once`). */
  removeListener<K extends keyof E>(event: K, cb: E[K]): this {
    return this.off(event, cb);
  }

  /** Removes every listener of `event`, or of every event. */
  removeAllListeners(event?: keyof E): this {
    if (event === undefined) this.listeners.clear();
    else this.listeners.delete(event);
    return this;
  }

  /** True when `cb` is a listener of `event`. */
  hasListener<K extends keyof E>(event: K, cb: E[K]): boolean {
    return (this.listeners.get(event) ?? []).some(
      (x) => x === cb || (x as { listener?: unknown }).listener === cb,
    );
  }

  /** Number of listeners of `event`. */
  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /** Listens to every event (after the event's own listeners); returns a function that removes it. */
  onAny(cb: (event: keyof E, ...args: unknown[]) => void): () => void {
    this.anyListeners = [...this.anyListeners, cb];
    return () => {
      this.anyListeners = this.anyListeners.filter((x) => x !== cb);
    };
  }

  /**
   * Calls every listener of `event` in registration order, then the `onAny` listeners; a copy of the
   * list guards against on/off inside a callback. Returns whether the event had listeners.
   */
  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): boolean {
    const list = this.listeners.get(event);
    // Hot path (a media message per call on the gateway): nothing allocated unless a listener throws
    // or there are several listeners to copy.
    let errors: unknown[] | null = null;
    if (list !== undefined) {
      if (list.length === 1) {
        try {
          (list[0] as E[K])(...args);
        } catch (err) {
          errors = [err];
        }
      } else {
        for (const cb of list.slice()) {
          try {
            cb(...args);
          } catch (err) {
            errors = errors ?? [];
            errors.push(err);
          }
        }
      }
    }
    if (this.anyListeners.length > 0) {
      for (const cb of this.anyListeners) {
        try {
          cb(event, ...args);
        } catch (err) {
          errors = errors ?? [];
          errors.push(err);
        }
      }
    }
    if (errors !== null) for (const err of errors) this.onListenerError(event, err);
    return list !== undefined;
  }
}

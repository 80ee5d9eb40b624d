import { EventEmitter } from 'node:events';

/** Map of event name to listener signature. */
export type EventMap<E> = { [K in keyof E]: (...args: never[]) => void };

/**
 * Typed view of an EventEmitter: event names and listener arguments are checked by the compiler,
 * so code in other packages cannot subscribe to a misspelled event or mistype its arguments.
 */
export interface TypedEmitter<E extends EventMap<E>> {
  on<K extends keyof E & string>(name: K, listener: E[K]): this;
  once<K extends keyof E & string>(name: K, listener: E[K]): this;
  off<K extends keyof E & string>(name: K, listener: E[K]): this;
  emit<K extends keyof E & string>(name: K, ...args: Parameters<E[K]>): boolean;
  removeAllListeners(name?: keyof E & string): this;
  listenerCount(name: keyof E & string): number;
  setMaxListeners(n: number): this;
}

/** Node's EventEmitter, typed by an event map (the runtime class is EventEmitter itself). */
export const TypedEmitter = EventEmitter as unknown as new <E extends EventMap<E>>() => TypedEmitter<E>;

import { types } from 'node:util';
import type { Context } from 'node:vm';
import { runInContext } from 'node:vm';

/**
 * Values made inside the app's vm context. Objects handed to app code must come from its own realm where
 * the app may test them with `instanceof` (an ArrayBuffer from the host fails `x instanceof ArrayBuffer`
 * inside the vm) or where `JSON.parse` results are expected to be plain objects of that realm.
 */
export interface Realm {
  /** Copies bytes into a new ArrayBuffer of the app's realm. */
  arrayBuffer(bytes: Uint8Array): ArrayBuffer;
  /** Parses JSON into objects of the app's realm. */
  parseJson(text: string): unknown;
  /** Deep-copies plain objects and arrays into the app's realm; other values are shared. */
  clone(value: unknown): unknown;
  /** Whether a promise was made by the app's code (its prototype is the app realm's Promise.prototype). */
  ownsPromise(p: unknown): boolean;
  /** A promise of the app's realm with its settle functions (`await` in app code sees a native one). */
  deferred(): { promise: Promise<unknown>; resolve(v: unknown): void; reject(e: unknown): void };
}

// Compiled inside the context so copies are objects of the app's realm (`instanceof Array` holds there).
const CLONE_SOURCE = `(function clone(v) {
  if (Array.isArray(v)) return v.map(clone);
  if (v !== null && typeof v === 'object') {
    const p = Object.getPrototypeOf(v);
    if (p === null || Object.getPrototypeOf(p) === null) {
      const o = {};
      for (const k of Object.keys(v)) o[k] = clone(v[k]);
      return o;
    }
  }
  return v;
})`;

/** Builds the {@link Realm} helpers for a vm context. */
export function realmOf(context: Context): Realm {
  const intrinsics = runInContext('({ ArrayBuffer, JSON, Promise })', context) as {
    ArrayBuffer: ArrayBufferConstructor;
    JSON: JSON;
    Promise: PromiseConstructor;
  };
  return {
    arrayBuffer(bytes) {
      const ab = new intrinsics.ArrayBuffer(bytes.byteLength);
      new Uint8Array(ab).set(bytes);
      return ab;
    },
    parseJson: (text) => intrinsics.JSON.parse(text),
    clone: runInContext(CLONE_SOURCE, context) as (v: unknown) => unknown,
    ownsPromise: (p) =>
      typeof p === 'object' && p !== null && Object.getPrototypeOf(p) === intrinsics.Promise.prototype,
    deferred: () => {
      let resolve!: (v: unknown) => void;
      let reject!: (e: unknown) => void;
      const promise = new intrinsics.Promise<unknown>((a, b) => {
        resolve = a;
        reject = b;
      });
      return { promise, resolve, reject };
    },
  };
}

/**
 * Bytes of binary data coming from app code (an ArrayBuffer or a typed array of any realm), or
 * `undefined` when the value is not binary. `instanceof` cannot be used across realms, `util.types` can.
 */
export function bytesOf(v: unknown): Uint8Array | undefined {
  if (types.isArrayBuffer(v) || types.isSharedArrayBuffer(v)) return new Uint8Array(v);
  if (types.isArrayBufferView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return undefined;
}

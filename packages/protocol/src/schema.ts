import { ErrorCode, MiniRtcError } from './errors.js';
import { utf8Length } from './utf8.js';

/**
 * A tiny validator: enough to check every inbound message at the edge with a clear error, small
 * enough to ship in the mini-program bundle, and describable as JSON Schema for the REST API docs.
 */
export interface Schema<T> {
  /** Returns the validated value or throws {@link MiniRtcError} naming the path that failed. */
  parse(value: unknown, path?: string): T;
  /** JSON Schema of the accepted values. */
  readonly json: Record<string, unknown>;
  /** True for {@link optional} schemas. */
  readonly optional?: boolean;
}

/** The TypeScript type a schema accepts. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

function fail(path: string, what: string, code: number = ErrorCode.INVALID_PARAM): never {
  throw new MiniRtcError(code, `${path || 'message'} ${what}`, { path });
}

/** Options for {@link str}. */
export interface StrOptions {
  /** Minimum length in characters (default 0). */
  min?: number;
  /** Maximum length in UTF-8 bytes. */
  maxBytes?: number;
  /** Code used when the string is too long. */
  tooLongCode?: number;
  /** Allowed values. */
  enum?: readonly string[];
}

/** A string. */
export function str(opts: StrOptions = {}): Schema<string> {
  return {
    json: {
      type: 'string',
      ...(opts.min ? { minLength: opts.min } : {}),
      ...(opts.maxBytes ? { maxLength: opts.maxBytes } : {}),
      ...(opts.enum ? { enum: opts.enum } : {}),
    },
    parse(v, path = '') {
      if (typeof v !== 'string') fail(path, 'must be a string');
      if (opts.min !== undefined && v.length < opts.min)
        fail(path, `must have at least ${opts.min} characters`);
      if (opts.maxBytes !== undefined && utf8Length(v) > opts.maxBytes) {
        fail(path, `must be at most ${opts.maxBytes} bytes`, opts.tooLongCode);
      }
      if (opts.enum && !opts.enum.includes(v)) fail(path, `must be one of ${opts.enum.join(', ')}`);
      return v;
    },
  };
}

/** A string literal (used for `type` discriminators). */
export function literal<const L extends string>(value: L): Schema<L> {
  return {
    json: { const: value },
    parse(v, path = '') {
      if (v !== value) fail(path, `must be ${JSON.stringify(value)}`);
      return value;
    },
  };
}

/** An integer within [min, max]. */
export function int(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Schema<number> {
  return {
    json: { type: 'integer', minimum: min, maximum: max },
    parse(v, path = '') {
      if (typeof v !== 'number' || !Number.isInteger(v)) fail(path, 'must be an integer');
      if (v < min || v > max) fail(path, `must be between ${min} and ${max}`);
      return v;
    },
  };
}

/** A boolean. */
export function bool(): Schema<boolean> {
  return {
    json: { type: 'boolean' },
    parse(v, path = '') {
      if (typeof v !== 'boolean') fail(path, 'must be a boolean');
      return v;
    },
  };
}

/** An array of at most `maxItems` items. */
export function arr<T>(item: Schema<T>, maxItems: number): Schema<T[]> {
  return {
    json: { type: 'array', items: item.json, maxItems },
    parse(v, path = '') {
      if (!Array.isArray(v)) fail(path, 'must be an array');
      if (v.length > maxItems) fail(path, `must have at most ${maxItems} items`);
      return v.map((x, i) => item.parse(x, `${path}[${i}]`));
    },
  };
}

/** Marks a schema optional inside {@link obj}: `undefined` (and `null`) are accepted as absent. */
export function optional<T>(inner: Schema<T>): Schema<T | undefined> & { readonly optional: true } {
  return {
    json: inner.json,
    optional: true as const,
    parse(v, path = '') {
      if (v === undefined || v === null) return undefined;
      return inner.parse(v, path);
    },
  };
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { optional: true } ? K : never }[keyof S];
type ObjOf<S extends Shape> = { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & {
  [K in OptionalKeys<S>]?: Infer<S[K]>;
};

/** An object with the given fields; unknown fields are dropped (not an error: forward compatibility). */
export function obj<S extends Shape>(shape: S): Schema<ObjOf<S>> {
  const required = Object.keys(shape).filter((k) => !shape[k]?.optional);
  return {
    json: {
      type: 'object',
      properties: Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, s.json])),
      required,
    },
    parse(v, path = '') {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'must be an object');
      const out: Record<string, unknown> = {};
      const src = v as Record<string, unknown>;
      for (const key of Object.keys(shape)) {
        const s = shape[key] as Schema<unknown>;
        const val = s.parse(src[key], path ? `${path}.${key}` : key);
        if (val !== undefined) out[key] = val;
      }
      return out as ObjOf<S>;
    },
  };
}

/** A schema with a custom check run after the inner one (e.g. ID rules with ZEGO's own codes). */
export function refine<T>(inner: Schema<T>, check: (v: T) => T): Schema<T> {
  return { json: inner.json, parse: (v, path) => check(inner.parse(v, path)) };
}

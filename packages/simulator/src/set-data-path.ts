import { SimulatorError, SimulatorErrorCode } from './errors.js';

/** One step of a setData path: a property name or an array index. */
export type PathSegment = string | number;

// Keys that would reach an object's prototype instead of its own data; a page must never be able to
// rewrite Object.prototype through setData.
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

function invalid(path: string, why: string): SimulatorError {
  return new SimulatorError(SimulatorErrorCode.INVALID_SET_DATA_PATH, `setData path '${path}': ${why}`);
}

/**
 * Splits a setData key the way Alipay reads it: `'a.b[0].c'` → `['a', 'b', 0, 'c']`, `'list[2]'` →
 * `['list', 2]`. Numbers appear only from brackets, so `'a.0'` keeps `'0'` as a property name.
 */
export function parseSetDataPath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  let i = 0;
  let name = '';
  // After a closing bracket only '.', '[' or the end may follow: 'a[0]b' is not a path.
  let afterBracket = false;
  const pushName = (): void => {
    if (name === '') throw invalid(path, 'empty property name');
    if (FORBIDDEN.has(name)) throw invalid(path, `forbidden key '${name}'`);
    out.push(name);
    name = '';
  };
  while (i < path.length) {
    const ch = path[i]!;
    if (ch === '.') {
      if (afterBracket) afterBracket = false;
      else pushName();
      i++;
      if (i === path.length) throw invalid(path, 'ends with a dot');
    } else if (ch === '[') {
      if (!afterBracket) pushName();
      const close = path.indexOf(']', i);
      if (close === -1) throw invalid(path, 'unclosed bracket');
      const inner = path.slice(i + 1, close).trim();
      if (!/^\d+$/.test(inner)) throw invalid(path, `index '${inner}' is not a non-negative integer`);
      out.push(Number(inner));
      i = close + 1;
      afterBracket = true;
    } else {
      if (afterBracket) throw invalid(path, `unexpected '${ch}' after ']'`);
      name += ch;
      i++;
    }
  }
  if (!afterBracket) pushName();
  return out;
}

function isContainer(v: unknown): v is Record<PathSegment, unknown> {
  return typeof v === 'object' && v !== null;
}

/**
 * Sets `value` at `segments` inside `root`, creating missing parents: an array where the next step is an
 * index, an object otherwise. A parent that exists but is a primitive is replaced, as the device does
 * (setting `'a.b'` when `a` is `1` makes `a` an object).
 */
export function setAtPath(
  root: Record<string, unknown>,
  segments: readonly PathSegment[],
  value: unknown,
): void {
  let node: Record<PathSegment, unknown> = root;
  for (let k = 0; k < segments.length - 1; k++) {
    const seg = segments[k]!;
    let next = node[seg];
    if (!isContainer(next)) {
      next = typeof segments[k + 1] === 'number' ? [] : {};
      node[seg] = next;
    }
    node = next as Record<PathSegment, unknown>;
  }
  const last = segments[segments.length - 1];
  if (last === undefined) throw invalid('', 'empty path');
  node[last] = value;
}

/**
 * Applies one `setData` patch to a page's data in place: each key is a path, each value replaces what is
 * at that path (top-level keys replace, they do not deep-merge — Alipay semantics). Values are stored by
 * reference, because app code (the article's included) mutates `this.data` objects and sets them again.
 */
export function applySetData(data: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const key of Object.keys(patch)) {
    setAtPath(data, parseSetDataPath(key), patch[key]);
  }
}

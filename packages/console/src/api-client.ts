import { adminKey } from './admin-key.js';
import { ApiError } from './api-error.js';

/** Query parameters; empty and undefined values are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** Called when the server refuses the admin key (401): the console signs out and says why. */
let onUnauthorized: (err: ApiError) => void = () => {};

/** Registers what happens on a 401 (set once by the shell). */
export function setUnauthorizedHandler(fn: (err: ApiError) => void): void {
  onUnauthorized = fn;
}

/** `path?query`, leaving out empty values. */
export function withQuery(path: string, query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/**
 * One request to `/api/v1`: JSON in and out, `Authorization: Bearer <admin key>`, and every failure as an
 * {@link ApiError} carrying the API's `{ code, message }` (or the HTTP status when the body has none).
 * `key` overrides the stored admin key (the sign-in form checks a key before storing it).
 */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  key: string | null = adminKey.get(),
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    throw new ApiError(0, 0, `cannot reach the server (${err instanceof Error ? err.message : String(err)})`);
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const e = (data ?? {}) as { code?: unknown; message?: unknown };
    const err = new ApiError(
      res.status,
      typeof e.code === 'number' ? e.code : res.status,
      typeof e.message === 'string' ? e.message : res.statusText || 'request failed',
    );
    if (res.status === 401 && key === adminKey.get()) onUnauthorized(err);
    throw err;
  }
  return data as T;
}

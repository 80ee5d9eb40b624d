import type { PlatformRequest, PlatformResponse } from './platform.js';

type FetchLike = (
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string; signal?: unknown },
) => Promise<{ status: number; text(): Promise<string> }>;

/** An HTTP request with the global `fetch` (browsers, Node ≥ 18). */
export async function fetchRequest(opts: PlatformRequest): Promise<PlatformResponse> {
  const f = (globalThis as { fetch?: FetchLike }).fetch;
  if (!f) throw new Error('fetch is not available');
  const AC = (globalThis as { AbortController?: new () => { signal: unknown; abort(): void } })
    .AbortController;
  const ac = AC ? new AC() : undefined;
  const timer = ac && opts.timeoutMs ? setTimeout(() => ac.abort(), opts.timeoutMs) : undefined;
  try {
    const res = await f(opts.url, {
      method: opts.method,
      headers: opts.headers,
      body: opts.data === undefined ? undefined : JSON.stringify(opts.data),
      signal: ac?.signal,
    });
    const text = await res.text();
    let data: unknown = text;
    try {
      data = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, data };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

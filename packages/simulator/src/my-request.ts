import { type AppCallbacks, type AsyncCallbackOptions, settle } from './app-callbacks.js';
import { SimulatorError, SimulatorErrorCode } from './errors.js';
import { bytesOf, type Realm } from './realm.js';

/** What `my.request` needs from its instance. */
export interface RequestHost extends AppCallbacks {
  realm: Realm;
  online(): boolean;
  /** The device's network rules: a refusal fails the request with the device's error. */
  checkUrl?(url: string): { error: number; errorMessage: string } | undefined;
  /** Registers an in-flight request's "the network went away" hook; returns its removal. */
  trackInflight(onNetworkLost: () => void): () => void;
}

/** Options of `my.request` (Alipay spells request headers `headers`; `header` is accepted too). */
export interface RequestOptions extends AsyncCallbackOptions {
  url?: unknown;
  method?: unknown;
  data?: unknown;
  headers?: unknown;
  header?: unknown;
  timeout?: unknown;
  dataType?: unknown;
}

/**
 * Alipay's `my.request` error numbers: 11 no permission for the domain (outside the whitelist, or not
 * https), 12 network error, 13 timeout, 14 response could not be decoded,
 * 19 HTTP status error (the device treats 4xx/5xx as failures), 20 aborted.
 */
export const RequestError = {
  NO_PERMISSION: 11,
  NETWORK: 12,
  TIMEOUT: 13,
  DECODE: 14,
  HTTP_STATUS: 19,
  ABORTED: 20,
} as const;

function encodeForm(data: Record<string, unknown>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(data)) {
    p.append(k, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
  }
  return p.toString();
}

/**
 * `my.request` over real HTTP (Node's fetch). Returns a RequestTask with `abort()`. Results follow the
 * device: `success({ data, status, headers })`, `fail({ error, errorMessage, ... })`, then `complete`.
 */
export function myRequest(host: RequestHost, o: RequestOptions = {}): { abort(): void } {
  if (typeof o.url !== 'string' || o.url === '') {
    throw new SimulatorError(
      SimulatorErrorCode.INVALID_API_ARGS,
      'my.request url must be a non-empty string',
    );
  }
  const method = String(o.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries((o.headers ?? o.header ?? {}) as Record<string, unknown>)) {
    headers[k.toLowerCase()] = String(v);
  }
  let url = o.url;
  let body: string | Uint8Array | undefined;
  const bytes = bytesOf(o.data);
  if (method === 'GET' || method === 'HEAD') {
    if (typeof o.data === 'object' && o.data !== null) {
      const q = encodeForm(o.data as Record<string, unknown>);
      if (q !== '') url += (url.includes('?') ? '&' : '?') + q;
    }
  } else if (bytes !== undefined) body = bytes;
  else if (typeof o.data === 'string') body = o.data;
  else if (o.data !== undefined && o.data !== null) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    body = headers['content-type'].includes('json')
      ? JSON.stringify(o.data)
      : encodeForm(o.data as Record<string, unknown>);
  }
  const controller = new AbortController();
  let reason: 'timeout' | 'abort' | 'network' | undefined;
  const task = {
    abort(): void {
      reason = 'abort';
      controller.abort();
    },
  };
  const refused = host.checkUrl?.(url);
  if (refused !== undefined) {
    settle(host, o, false, refused);
    return task;
  }
  if (!host.online()) {
    settle(host, o, false, { error: RequestError.NETWORK, errorMessage: 'network is not available' });
    return task;
  }
  const timeoutMs = typeof o.timeout === 'number' ? o.timeout : 30000;
  const timer = setTimeout(() => {
    reason = 'timeout';
    controller.abort();
  }, timeoutMs);
  const dataType = String(o.dataType ?? 'json').toLowerCase();
  const untrack = host.trackInflight(() => {
    reason = 'network';
    controller.abort();
  });
  void (async () => {
    try {
      const res = await fetch(url, { method, headers, body, signal: controller.signal });
      const buf = new Uint8Array(await res.arrayBuffer());
      const resHeaders = Object.fromEntries(res.headers.entries());
      let data: unknown;
      const text = Buffer.from(buf).toString('utf8');
      if (dataType === 'json') {
        try {
          data = text === '' ? '' : host.realm.parseJson(text);
        } catch {
          settle(host, o, false, {
            error: RequestError.DECODE,
            errorMessage: 'JSON decode failed',
            status: res.status,
          });
          return;
        }
      } else if (dataType === 'base64') data = Buffer.from(buf).toString('base64');
      else if (dataType === 'arraybuffer') data = host.realm.arrayBuffer(buf);
      else data = text;
      const result = { data, status: res.status, headers: resHeaders };
      if (res.status >= 400) {
        settle(host, o, false, {
          error: RequestError.HTTP_STATUS,
          errorMessage: `HTTP ${res.status}`,
          ...result,
        });
      } else settle(host, o, true, result);
    } catch (e) {
      const err =
        reason === 'timeout'
          ? { error: RequestError.TIMEOUT, errorMessage: 'request timed out' }
          : reason === 'abort'
            ? { error: RequestError.ABORTED, errorMessage: 'request aborted' }
            : {
                error: RequestError.NETWORK,
                errorMessage: reason === 'network' ? 'network lost' : (e as Error).message,
              };
      settle(host, o, false, err);
    } finally {
      clearTimeout(timer);
      untrack();
    }
  })();
  return task;
}

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  ForbiddenDestinationError,
  type Resolver,
  forbiddenUrl,
  guardedLookup,
  guardedLookupWith,
} from './ssrf-guard.js';

/** How a delivery attempt failed, as the delivery log shows it: a category, never raw network text. */
export type DeliveryFailure =
  | 'forbidden_destination'
  | 'connection_refused'
  | 'timeout'
  | 'dns_failure'
  | 'connection_reset'
  | 'tls_error'
  | 'network_error';

/** Maps a request error to its {@link DeliveryFailure} (the raw one goes to the server log only). */
export function failureCategory(err: unknown): DeliveryFailure {
  if (err instanceof ForbiddenDestinationError) return 'forbidden_destination';
  const code = (err as { code?: unknown; name?: unknown }).code;
  const name = (err as { name?: unknown }).name;
  if (name === 'TimeoutError' || name === 'AbortError' || code === 'ETIMEDOUT') return 'timeout';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns_failure';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection_reset';
  if (typeof code === 'string' && /CERT|SSL|TLS/.test(code)) return 'tls_error';
  return 'network_error';
}

/**
 * POSTs a webhook body and resolves with the HTTP status (redirects are not followed: a 3xx is a
 * failed delivery). Unless `allowPrivate`, the destination is checked as written and again on every
 * address its name resolves to, in the lookup the connection itself uses.
 */
export function postWebhook(
  url: string,
  body: string,
  opts: { signal: AbortSignal; allowPrivate: boolean; resolver?: Resolver },
): Promise<number> {
  return new Promise((resolve, reject) => {
    if (!opts.allowPrivate) {
      const bad = forbiddenUrl(url);
      if (bad) return reject(new ForbiddenDestinationError(bad));
    }
    const u = new URL(url);
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      u,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        signal: opts.signal,
        ...(opts.allowPrivate
          ? {}
          : { lookup: (opts.resolver ? guardedLookupWith(opts.resolver) : guardedLookup) as never }),
      },
      (res) => {
        // The status is all we need; the body is drained, never buffered.
        res.resume();
        res.on('error', () => {});
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

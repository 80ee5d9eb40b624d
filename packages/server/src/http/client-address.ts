import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * Who is on the other end of a request, and which scheme and host they used. `X-Forwarded-For`,
 * `-Proto` and `-Host` are believed only when the socket's peer is one of the configured proxies
 * (`trustedProxies`: IPs or CIDRs); from anyone else they are ignored, so a client cannot claim
 * another address to dodge a per-address limit or forge its place in the logs.
 */
export interface AddressResolver {
  /** proxy-addr's trust function (also handed to fastify, so `request.ip` agrees). */
  readonly trust: (addr: string, hop: number) => boolean;
  /** The client's address: the socket peer, or the nearest untrusted hop of `X-Forwarded-For`. */
  clientAddress(req: IncomingMessage): string;
  /** `https`/`http` as the client used it (the proxy's `X-Forwarded-Proto` when trusted). */
  protocol(req: IncomingMessage): 'http' | 'https';
}

function first(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s?.split(',')[0]?.trim() || undefined;
}

/** The one resolver of client addresses, for HTTP routes and the WebSocket upgrade alike. */
export function createAddressResolver(trustedProxies: readonly string[] = []): AddressResolver {
  // compile() validates every entry: a typo in the config fails at start, not per request.
  const trust = trustedProxies.length ? proxyaddr.compile([...trustedProxies]) : () => false;
  const fromTrusted = (req: IncomingMessage): boolean => trust(req.socket.remoteAddress ?? '', 0);
  return {
    trust,
    clientAddress: (req) => proxyaddr(req, trust),
    protocol: (req) => {
      const own = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
      if (!fromTrusted(req)) return own;
      const p = first(req.headers['x-forwarded-proto']);
      return p === 'https' || p === 'http' ? p : own;
    },
  };
}

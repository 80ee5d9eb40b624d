import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may not go: loopback, private (RFC 1918, ULA), link-local (where cloud metadata
 * lives), CGNAT, multicast, unspecified/reserved and the metadata service names. Checked when an app
 * sets its callback URL and again in the DNS lookup of every delivery (so a name that re-binds to an
 * internal address after the check is still refused).
 */
const RANGES: [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'unspecified'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'cgnat'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['192.0.0.0', 24, 'ipv4', 'reserved'],
  ['198.18.0.0', 15, 'ipv4', 'reserved'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['fc00::', 7, 'ipv6', 'private'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
  ['fd00:ec2::254', 128, 'ipv6', 'metadata'],
];

const lists = RANGES.map(([net, prefix, type, category]) => {
  const b = new BlockList();
  b.addSubnet(net, prefix, type);
  return { b, type, category };
});

/** Host names that always mean the local machine or a cloud metadata service. */
const NAMES: [RegExp, string][] = [
  [/^localhost\.?$|\.localhost\.?$/i, 'loopback'],
  [/^metadata(\.google\.internal)?\.?$/i, 'metadata'],
  [/^instance-data(\.ec2\.internal)?\.?$/i, 'metadata'],
];

/** The forbidden category of an IP address (v4, v6, v4-mapped v6), or null when it may be reached. */
export function forbiddenAddress(ip: string): string | null {
  let addr = ip.replace(/^\[|\]$/g, '');
  // IPv4-mapped IPv6 (`::ffff:127.0.0.1`, which URL parsing turns into `::ffff:7f00:1`) is IPv4.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (mapped) addr = mapped[1] as string;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(addr);
  if (hex) {
    const hi = Number.parseInt(hex[1] as string, 16);
    const lo = Number.parseInt(hex[2] as string, 16);
    addr = `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  const v = isIP(addr);
  if (v === 0) return 'invalid';
  const type = v === 4 ? 'ipv4' : 'ipv6';
  if (addr === '169.254.169.254') return 'metadata';
  for (const l of lists) if (l.type === type && l.b.check(addr, type)) return l.category;
  return null;
}

/**
 * What is wrong with a callback URL's host as written (an IP literal or a well-known internal name),
 * or null. Names are resolved only at delivery, by {@link guardedLookup}.
 */
export function forbiddenUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'invalid';
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return forbiddenAddress(host);
  for (const [re, category] of NAMES) if (re.test(host)) return category;
  return null;
}

/** An error a refused destination fails with (`code` is what the delivery log shows). */
export class ForbiddenDestinationError extends Error {
  readonly code = 'EFORBIDDEN_DESTINATION';
  constructor(readonly category: string) {
    super(`destination refused (${category})`);
  }
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | { address: string; family: number }[],
  family?: number,
) => void;

/** A resolver with `dns.lookup`'s `{ all: true }` shape (injectable for tests). */
export type Resolver = (
  hostname: string,
  options: { all: true; family?: number | string },
  callback: (err: NodeJS.ErrnoException | null, addresses: { address: string; family: number }[]) => void,
) => void;

/**
 * Builds a `lookup` for `http.request`: resolves as usual, then refuses if any resolved address is
 * forbidden. The connection uses exactly the addresses checked here, so DNS re-binding between the
 * check and the connect is impossible.
 */
export function guardedLookupWith(resolve: Resolver) {
  return (
    hostname: string,
    options: { all?: boolean; family?: number | string },
    callback: LookupCallback,
  ): void => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      for (const a of addresses) {
        const bad = forbiddenAddress(a.address);
        if (bad) return callback(new ForbiddenDestinationError(bad) as unknown as NodeJS.ErrnoException, []);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

/** {@link guardedLookupWith} over the system resolver. */
export const guardedLookup = guardedLookupWith(dnsLookup as unknown as Resolver);

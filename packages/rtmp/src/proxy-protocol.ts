import { BlockList, isIP } from 'node:net';

/** What {@link parseProxyHeader} found. */
export type ProxyHeader =
  | { kind: 'incomplete' }
  | { kind: 'invalid'; reason: string }
  /** `address` is absent for `PROXY UNKNOWN` / v2 LOCAL (health checks): keep the peer's own address. */
  | { kind: 'ok'; address?: string; rest: Buffer };

const V2_SIG = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_MAX = 107;

/**
 * Parses a HAProxy PROXY protocol header (v1 text or v2 binary) at the start of a connection, as a
 * load balancer in front of the RTMP port sends it: the client's real address, and the bytes after
 * the header. Sans-I/O: feed it what has arrived so far.
 */
export function parseProxyHeader(buf: Buffer): ProxyHeader {
  if (buf.length >= 1 && buf[0] === 0x50) {
    // v1: "PROXY TCP4|TCP6|UNKNOWN src dst sport dport\r\n"
    const end = buf.indexOf('\r\n');
    if (end < 0)
      return buf.length > V1_MAX ? { kind: 'invalid', reason: 'v1 header too long' } : { kind: 'incomplete' };
    const line = buf.subarray(0, end).toString('latin1');
    const rest = buf.subarray(end + 2);
    const parts = line.split(' ');
    if (parts[0] !== 'PROXY') return { kind: 'invalid', reason: 'not a PROXY header' };
    if (parts[1] === 'UNKNOWN') return { kind: 'ok', rest };
    if ((parts[1] !== 'TCP4' && parts[1] !== 'TCP6') || parts.length !== 6)
      return { kind: 'invalid', reason: 'bad v1 header' };
    const src = parts[2] as string;
    if (isIP(src) !== (parts[1] === 'TCP4' ? 4 : 6)) return { kind: 'invalid', reason: 'bad v1 source' };
    return { kind: 'ok', address: src, rest };
  }
  if (buf.length < 16) {
    return V2_SIG.subarray(0, buf.length).equals(buf)
      ? { kind: 'incomplete' }
      : { kind: 'invalid', reason: 'no PROXY header' };
  }
  if (!buf.subarray(0, 12).equals(V2_SIG)) return { kind: 'invalid', reason: 'no PROXY header' };
  const verCmd = buf[12] as number;
  const fam = buf[13] as number;
  const len = buf.readUInt16BE(14);
  if (verCmd >> 4 !== 2) return { kind: 'invalid', reason: 'bad v2 version' };
  if (len > 512) return { kind: 'invalid', reason: 'v2 header too long' };
  if (buf.length < 16 + len) return { kind: 'incomplete' };
  const body = buf.subarray(16, 16 + len);
  const rest = buf.subarray(16 + len);
  if ((verCmd & 0x0f) === 0) return { kind: 'ok', rest }; // LOCAL: the proxy's own connection
  if (fam >> 4 === 1 && body.length >= 12)
    return { kind: 'ok', address: [...body.subarray(0, 4)].join('.'), rest };
  if (fam >> 4 === 2 && body.length >= 36) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(body.readUInt16BE(i).toString(16));
    return { kind: 'ok', address: groups.join(':'), rest };
  }
  return { kind: 'ok', rest };
}

/** A matcher for the `trustedProxies` list (IPs and CIDRs, v4 and v6). */
export function trustedProxyMatcher(list: readonly string[]): (address: string) => boolean {
  if (list.length === 0) return () => false;
  const b = new BlockList();
  for (const entry of list) {
    const [ip, bits] = entry.split('/') as [string, string | undefined];
    const v = isIP(ip);
    if (v === 0) throw new Error(`trustedProxies: ${entry} is not an IP or CIDR`);
    const type = v === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) b.addAddress(ip, type);
    else b.addSubnet(ip, Number(bits), type);
  }
  return (address) => {
    const a = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
    const v = isIP(a);
    return v !== 0 && b.check(a, v === 4 ? 'ipv4' : 'ipv6');
  };
}

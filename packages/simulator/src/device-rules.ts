/**
 * The network rules a real phone applies to a mini-program and the IDE relaxes with "skip domain check":
 * sockets only over `wss://`, requests only over `https://`, and both only to domains in the
 * mini-program's whitelist (开放平台 → 开发设置 → 服务器域名白名单). The rules are pure: the simulator
 * decides whether a break refuses the call (`--device-rules`) or only warns.
 */

/** How the simulator applies the device's network rules. */
export interface DeviceRules {
  /** Refuse what the device refuses; otherwise allow it with one warning per rule broken. */
  enforce: boolean;
  /**
   * The whitelist: host names (`rtc.example.com`) or origins (`wss://rtc.example.com`). Without one the
   * domain rule is not checked (only the scheme rules), since the simulator cannot know yours.
   */
  domains?: string[];
}

/** A rule a URL breaks, with the device's error for the call. */
export interface RuleBreak {
  /** Which rule: `wss-only`, `https-only` or `domain-whitelist`. */
  rule: 'wss-only' | 'https-only' | 'domain-whitelist';
  /** The error number the device's `fail` carries: 20 for sockets, 11 (no permission) for requests. */
  error: number;
  errorMessage: string;
  /** What identifies this break for de-duplicated warnings: rule and origin. */
  key: string;
}

/** The error number of a refused `my.connectSocket`. */
export const SOCKET_REFUSED = 20;
/** The error number of a refused `my.request` (无权跨域, no permission for the domain). */
export const REQUEST_REFUSED = 11;

function hostOf(entry: string): string {
  try {
    return new URL(entry.includes('://') ? entry : `https://${entry}`).hostname.toLowerCase();
  } catch {
    return entry.toLowerCase();
  }
}

/** The first rule `url` breaks for a call of `kind`, or `undefined` if the device allows it. */
export function checkDeviceUrl(
  kind: 'socket' | 'request',
  url: string,
  domains?: readonly string[],
): RuleBreak | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined; // a malformed URL fails later, with the network error, as before
  }
  const origin = `${u.protocol}//${u.host}`;
  const error = kind === 'socket' ? SOCKET_REFUSED : REQUEST_REFUSED;
  if (kind === 'socket' && u.protocol !== 'wss:') {
    return {
      rule: 'wss-only',
      error,
      errorMessage: `${origin}: the device allows sockets over wss:// only`,
      key: `wss-only ${origin}`,
    };
  }
  if (kind === 'request' && u.protocol !== 'https:') {
    return {
      rule: 'https-only',
      error,
      errorMessage: `${origin}: the device allows requests over https:// only`,
      key: `https-only ${origin}`,
    };
  }
  if (domains !== undefined && !domains.some((d) => hostOf(d) === u.hostname.toLowerCase())) {
    return {
      rule: 'domain-whitelist',
      error,
      errorMessage: `${u.hostname} is not in the mini-program's ${kind} domain whitelist`,
      key: `domain-whitelist ${kind} ${u.hostname}`,
    };
  }
  return undefined;
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The `/httplog` credential: `v1.<appID>.<userID as base64url>.<expiry s>.<mac>`, the MAC an
 * HMAC-SHA256 under a key derived from the app's ServerSecret. The SDK receives it in the login reply
 * and sends it back with every log batch, so only clients that logged in can write an app's logs, and
 * any node of the app (or a restarted one) can check it without shared state.
 */
export interface LogCredential {
  appID: number;
  userID: string;
  expire: number;
}

function keyOf(serverSecret: string): Buffer {
  return createHmac('sha256', serverSecret).update('minirtc/httplog/v1').digest();
}

function mac(serverSecret: string, body: string): string {
  return createHmac('sha256', keyOf(serverSecret)).update(body).digest('base64url');
}

/** Issues a credential for `userID` of `appID`, valid `ttlSeconds`. */
export function issueLogCredential(
  appID: number,
  userID: string,
  serverSecret: string,
  ttlSeconds: number,
  now = Date.now(),
): string {
  const expire = Math.floor(now / 1000) + ttlSeconds;
  const body = `v1.${appID}.${Buffer.from(userID, 'utf8').toString('base64url')}.${expire}`;
  return `${body}.${mac(serverSecret, body)}`;
}

/** The AppID a credential claims (to look up its secret), or null when it is not one. */
export function logCredentialApp(token: unknown): number | null {
  if (typeof token !== 'string' || token.length > 512) return null;
  const m = /^v1\.(\d{1,10})\./.exec(token);
  return m ? Number(m[1]) : null;
}

/** Checks a credential against the app's secret; null when forged, malformed or expired. */
export function verifyLogCredential(
  token: string,
  serverSecret: string,
  now = Date.now(),
): LogCredential | null {
  const parts = token.split('.');
  if (parts.length !== 5 || parts[0] !== 'v1') return null;
  const [, app, user, exp, sig] = parts as [string, string, string, string, string];
  const want = Buffer.from(mac(serverSecret, `v1.${app}.${user}.${exp}`));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
  const expire = Number(exp);
  if (!Number.isSafeInteger(expire) || expire * 1000 < now) return null;
  return { appID: Number(app), userID: Buffer.from(user, 'base64url').toString('utf8'), expire };
}

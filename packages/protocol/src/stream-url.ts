import { createHmac, timingSafeEqual } from 'node:crypto';
import { ErrorCode, MiniRtcError } from './errors.js';

/**
 * Signed stream URLs: the media gateway can verify a push/pull grant locally, with no round trip to
 * signaling. Query: `appid, room, uid, sid, act, exp, sig` on `…/<app>/<streamID>`; `sig` is
 * base64url(HMAC-SHA256(key, canonical)), the key derived from the app's ServerSecret.
 */

/** What a signed URL grants. */
export interface StreamGrant {
  appID: number;
  roomID: string;
  streamID: string;
  action: 'push' | 'play';
  userID: string;
  /** Signaling session that asked for it (lets the gateway drop it when the session ends). */
  sessionID: string;
  /** Unix seconds. */
  expire: number;
}

/** The HMAC key for an app's stream URLs, derived so the ServerSecret itself never signs URLs. */
export function streamSigningKey(serverSecret: string): Buffer {
  return createHmac('sha256', serverSecret).update('minirtc/stream-url/v1').digest();
}

function canonical(g: StreamGrant): string {
  return ['v1', g.appID, g.roomID, g.streamID, g.action, g.userID, g.sessionID, g.expire].join('\n');
}

/** The signature of a grant. */
export function signGrant(g: StreamGrant, key: Buffer): string {
  return createHmac('sha256', key).update(canonical(g)).digest('base64url');
}

/** Query parameters of a signed grant (to append to `…/<app>/<streamID>`). */
export function grantQuery(g: StreamGrant, key: Buffer): string {
  const q = new URLSearchParams({
    appid: String(g.appID),
    room: g.roomID,
    uid: g.userID,
    sid: g.sessionID,
    act: g.action,
    exp: String(g.expire),
    sig: signGrant(g, key),
  });
  return q.toString();
}

/** A full signed URL: `base` is e.g. `rtmp://host:1935/live` or `http://host:8080/live`. */
export function signStreamUrl(base: string, g: StreamGrant, key: Buffer, suffix = ''): string {
  return `${base.replace(/\/+$/, '')}/${g.streamID}${suffix}?${grantQuery(g, key)}`;
}

/**
 * Reads and verifies a grant from a stream name and its query. `keyFor` returns the signing key of
 * an AppID (undefined: unknown app). Throws 1990050 (bad or missing signature / fields), 1990051 (expired).
 */
export function verifyGrant(
  streamID: string,
  query: Record<string, string | undefined>,
  keyFor: (appID: number) => Buffer | undefined,
  now: number = Math.floor(Date.now() / 1000),
): StreamGrant {
  const bad = (why: string): never => {
    throw new MiniRtcError(ErrorCode.URL_SIGNATURE_INVALID, `stream URL rejected: ${why}`);
  };
  const { appid, room, uid, sid, act, exp, sig } = query;
  if (!appid || !room || !uid || !sid || !act || !exp || !sig) return bad('missing signed parameters');
  if (!/^\d{1,10}$/.test(appid) || !/^\d{1,12}$/.test(exp)) return bad('malformed parameters');
  if (act !== 'push' && act !== 'play') return bad('unknown action');
  const g: StreamGrant = {
    appID: Number(appid),
    roomID: room,
    streamID,
    action: act,
    userID: uid,
    sessionID: sid,
    expire: Number(exp),
  };
  const key = keyFor(g.appID);
  if (!key) return bad('unknown AppID');
  const want = Buffer.from(signGrant(g, key));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return bad('signature mismatch');
  if (g.expire <= now) throw new MiniRtcError(ErrorCode.URL_EXPIRED);
  return g;
}

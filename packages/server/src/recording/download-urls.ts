import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Path prefix of recording downloads (outside `/api/v1`: the signature in the URL is the credential). */
export const RECORDINGS_PREFIX = '/recordings';

/** A download key per app, derived from its ServerSecret (a secret rotation invalidates old links). */
function keyOf(serverSecret: string): Buffer {
  return createHash('sha256').update(`minirtc-recording-url:${serverSecret}`).digest();
}

function mac(serverSecret: string, appID: number, id: string, expire: number): string {
  return createHmac('sha256', keyOf(serverSecret)).update(`${appID}/${id}/${expire}`).digest('base64url');
}

/** The path and query of a signed, expiring link to one recording (relative to the server's URL). */
export function signRecordingPath(
  serverSecret: string,
  appID: number,
  id: string,
  ttlSeconds: number,
  nowMs = Date.now(),
): string {
  const expire = Math.floor(nowMs / 1000) + ttlSeconds;
  return `${RECORDINGS_PREFIX}/${appID}/${encodeURIComponent(id)}.mp4?expire=${expire}&sig=${mac(serverSecret, appID, id, expire)}`;
}

/** Why a link was refused. */
export type LinkCheck = 'ok' | 'expired' | 'bad';

/** Checks a signed link's expiry and signature (constant time). */
export function verifyRecordingLink(
  serverSecret: string,
  appID: number,
  id: string,
  expireText: string | null,
  sig: string | null,
  nowMs = Date.now(),
): LinkCheck {
  if (!expireText || !/^\d{1,12}$/.test(expireText) || !sig || sig.length > 64) return 'bad';
  const want = Buffer.from(mac(serverSecret, appID, id, Number(expireText)));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return 'bad';
  return Number(expireText) * 1000 < nowMs ? 'expired' : 'ok';
}

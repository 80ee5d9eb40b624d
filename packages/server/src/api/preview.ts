import { randomBytes } from 'node:crypto';
import type { StreamGrant } from '@minirtc/protocol/crypto';
import type { StreamUrlSigner } from '../core/stream-urls.js';

/**
 * Session IDs of console preview grants start with this. Real session IDs are base64url (no dot), so
 * no client session can ever carry it; the grant's signature proves the server issued it.
 */
export const PREVIEW_SESSION_PREFIX = 'preview.';

/** The userID preview grants name (not a valid ZEGO userID character set: it cannot collide). */
export const PREVIEW_USER_ID = '~console';

/** True for a grant issued by {@link issuePreviewUrl}. */
export function isPreviewGrant(g: StreamGrant): boolean {
  return (
    g.action === 'play' && g.sessionID.startsWith(PREVIEW_SESSION_PREFIX) && g.userID === PREVIEW_USER_ID
  );
}

/** The play grant every preview URL carries: {@link isPreviewGrant} recognises it; `tag` ends its session ID. */
function previewGrant(appID: number, roomID: string, streamID: string, tag: string) {
  return {
    appID,
    roomID,
    streamID,
    action: 'play' as const,
    userID: PREVIEW_USER_ID,
    sessionID: `${PREVIEW_SESSION_PREFIX}${tag}`,
  };
}

/**
 * A short-lived signed HTTP-FLV URL for an operator watching a stream without being in its room.
 * `signer` is one with the preview TTL.
 */
export function issuePreviewUrl(
  signer: StreamUrlSigner,
  appID: number,
  roomID: string,
  streamID: string,
): string {
  return signer.issue(previewGrant(appID, roomID, streamID, randomBytes(6).toString('hex'))).flvUrl ?? '';
}

/**
 * A preview-grant RTMP pull URL maker for a server-side consumer (the mixer, the recorder): one fixed
 * session tag per consumer, so grants are recognisable in logs and pass {@link isPreviewGrant}.
 */
export function previewPullUrl(
  signer: StreamUrlSigner,
  tag: string,
): (appID: number, roomID: string, streamID: string) => string {
  return (appID, roomID, streamID) => signer.issue(previewGrant(appID, roomID, streamID, tag)).url;
}

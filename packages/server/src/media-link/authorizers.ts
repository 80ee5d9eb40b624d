import { isMiniRtcError, mediaStreamKey, rtmpRefusalOf, userKey } from '@minirtc/protocol';
import { verifyGrant } from '@minirtc/protocol/crypto';
import type { AuthResult, MediaAuthorizer, StreamRequest } from '@minirtc/rtmp';
import type { MediaBridge } from '../core/media-port.js';
import type { MediaTag } from './media-tag.js';

/** A signaling refusal as the gateway's: RTMP status and HTTP status both from the error table. */
export function refusal(code: number, message: string): AuthResult {
  return { ok: false, status: rtmpRefusalOf(code), code, reason: `${code} ${message}` };
}

/**
 * The embedded gateway's authorizer: every publish/play is checked by signaling in the same process
 * (signature, then the grant's session, room and reservation), and the grant becomes the tag.
 */
export function signalingAuthorizer(bridge: MediaBridge): MediaAuthorizer {
  return {
    authorize(req: StreamRequest): AuthResult | Promise<AuthResult> {
      const decide = (): AuthResult => decideMedia(bridge, req);
      // In a cluster the grant's room may have to be fetched first.
      return bridge.prepare ? bridge.prepare(req.stream, req.query).then(decide, decide) : decide();
    },
  };
}

/** The embedded gateway's decision, once the state it needs is at hand. */
function decideMedia(bridge: MediaBridge, req: StreamRequest): AuthResult {
  const r = bridge.authorize(req.kind, req.stream, req.query);
  if (!r.ok) return refusal(r.code, r.message);
  const g = r.grant;
  const tag: MediaTag = {
    appID: g.appID,
    userID: g.userID,
    roomID: g.roomID,
    sessionID: g.sessionID,
    streamID: g.streamID,
  };
  return { ok: true, key: mediaStreamKey(g.appID, g.streamID), owner: r.owner, tag };
}

/**
 * A stand-alone gateway's authorizer when no signaling node is named: signed URLs are verified with
 * the apps' signing keys alone. No session or room is checked, and no room hears of the stream.
 */
export function signedUrlAuthorizer(keyFor: (appID: number) => Buffer | undefined): MediaAuthorizer {
  return {
    authorize(req: StreamRequest): AuthResult {
      try {
        const g = verifyGrant(req.stream, req.query, keyFor);
        if ((req.kind === 'publish') !== (g.action === 'push')) {
          return { ok: false, status: 'Unauthorized', reason: 'URL grants another action' };
        }
        return {
          ok: true,
          key: mediaStreamKey(g.appID, g.streamID),
          owner: userKey(g.appID, g.userID),
          tag: g,
        };
      } catch (e) {
        return { ok: false, status: 'Unauthorized', reason: isMiniRtcError(e) ? e.message : String(e) };
      }
    },
  };
}

import { ErrorCode, isMiniRtcError } from '@minirtc/protocol';
import { type StreamGrant, verifyGrant } from '@minirtc/protocol/crypto';
import { isPreviewGrant } from './api/preview.js';
import { isServiceGrant } from './mixing/service-grant.js';
import type { Logger } from './logger.js';
import type { Signaling } from './signaling.js';
import type { StreamUrlSigner } from './stream-urls.js';

/** How signaling tells a media gateway to drop media whose grant is gone. */
export interface MediaController {
  dropStream(appID: number, streamID: string, reason: string): void;
  dropUser(appID: number, userID: string, reason: string): void;
}

/** Outcome of {@link MediaBridge.authorize}. */
export type AuthorizeResult =
  | { ok: true; grant: StreamGrant; owner: string }
  | { ok: false; code: number; message: string };

/**
 * The seam between signaling and a media gateway (the embedded RTMP one or an external one through
 * hooks). The gateway verifies grants here and reports media; signaling revokes media through the
 * controller the gateway attaches.
 */
export interface MediaBridge {
  /**
   * Called on publish/play with the stream name and the URL query. Verifies the signature and that the
   * grant is still current: the session exists (attached or in grace), its user is in the grant's room,
   * for push the streamID is reserved by that user, for play the stream is reserved in that room.
   */
  authorize(kind: 'publish' | 'play', streamID: string, query: Record<string, string>): AuthorizeResult;
  /** Media is live: `streamUpdate ADD` to the others in the room, `mediaUpdate live` to the publisher. */
  streamLive(appID: number, streamID: string): void;
  /** Media is gone: `streamUpdate DELETE` if it was live. */
  streamGone(appID: number, streamID: string, reason: string): void;
  /** Registers how to drop media when signaling revokes it (stopPublish, logout, kick, grace over, closeRoom). */
  attachController(c: MediaController): void;
}

/** {@link MediaBridge} over the {@link Signaling} core. */
export class SignalingMediaBridge implements MediaBridge {
  constructor(
    private readonly core: Signaling,
    private readonly signer: StreamUrlSigner,
    private readonly log: Logger,
  ) {}

  authorize(kind: 'publish' | 'play', streamID: string, query: Record<string, string>): AuthorizeResult {
    const refuse = (code: number, message: string): AuthorizeResult => {
      this.log.info({ kind, streamID, appid: query.appid, uid: query.uid, code }, `media ${kind} refused`);
      return { ok: false, code, message };
    };
    let grant: StreamGrant;
    try {
      grant = verifyGrant(streamID, query, this.signer.keyFor);
    } catch (e) {
      if (isMiniRtcError(e)) return refuse(e.code, e.message);
      throw e;
    }
    if ((kind === 'publish') !== (grant.action === 'push')) {
      return refuse(ErrorCode.URL_SIGNATURE_INVALID, `a ${grant.action} grant cannot ${kind}`);
    }
    // A console preview is no room member: its signed grant stands in for the session, and it may
    // only watch a stream that is live in the grant's room.
    if (isPreviewGrant(grant)) {
      const p = this.core.streams.get(grant.appID, streamID);
      if (!p?.live || p.roomID !== grant.roomID)
        return refuse(ErrorCode.STREAM_NOT_FOUND, 'stream is not live');
      return { ok: true, grant, owner: `${grant.appID}:${grant.userID}` };
    }
    // A mix output: no session, the server reserved the stream for exactly this grant's session ID.
    if (isServiceGrant(grant)) {
      const r = this.core.streams.get(grant.appID, streamID);
      if (!r || r.sessionID !== grant.sessionID || r.roomID !== grant.roomID)
        return refuse(ErrorCode.STREAM_NOT_OWNED, 'the mix task that asked for this URL is gone');
      return { ok: true, grant, owner: `${grant.appID}:${grant.userID}` };
    }
    const session = this.core.sessions.get(grant.sessionID);
    if (!session || session.appID !== grant.appID || session.userID !== grant.userID) {
      return refuse(ErrorCode.SESSION_NOT_FOUND, 'the session that asked for this URL is gone');
    }
    // The user, not necessarily that session: a successor that took the room over silently holds it now.
    if (!this.core.rooms.get(grant.appID, grant.roomID)?.members.has(grant.userID)) {
      return refuse(ErrorCode.NOT_LOGGED_IN, 'the user is no longer in the room');
    }
    const r = this.core.streams.get(grant.appID, streamID);
    if (!r) return refuse(ErrorCode.STREAM_NOT_FOUND, 'stream is not published');
    if (kind === 'publish' && r.userID !== grant.userID) {
      return refuse(ErrorCode.STREAM_NOT_OWNED, 'stream is reserved by another user');
    }
    if (r.roomID !== grant.roomID) return refuse(ErrorCode.STREAM_NOT_IN_ROOM, 'stream is in another room');
    return { ok: true, grant, owner: `${grant.appID}:${grant.userID}` };
  }

  streamLive(appID: number, streamID: string): void {
    this.core.streamLive(appID, streamID);
  }

  streamGone(appID: number, streamID: string, reason: string): void {
    this.core.streamGone(appID, streamID, reason);
  }

  attachController(c: MediaController): void {
    this.core.controller = c;
  }
}

import { ErrorCode, isMiniRtcError, userKey } from '@minirtc/protocol';
import { type StreamGrant, verifyGrant } from '@minirtc/protocol/crypto';
import { isPreviewGrant } from '../api/preview.js';
import type { Logger } from '../logger.js';
import { isServiceGrant } from '../mixing/service-grant.js';
import type { Signaling } from './signaling.js';
import type { AuthorizeResult, MediaBridge, MediaController } from './media-port.js';
import type { StreamUrlSigner } from './stream-urls.js';

export type { AuthorizeResult, MediaBridge, MediaController } from './media-port.js';

/** {@link MediaBridge} over the {@link Signaling} core. */
export class SignalingMediaBridge implements MediaBridge {
  /** Set in a cluster: see {@link MediaBridge.prepare}. */
  prepare?: (streamID: string, query: Record<string, string>) => Promise<void>;
  /** Set in a cluster: brings the replica of a stream's room (found by streamID) before it ends. */
  fetchStreamRoom?: (appID: number, streamID: string) => Promise<void>;

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
      return { ok: true, grant, owner: userKey(grant.appID, grant.userID) };
    }
    // A mix output: no session, the server reserved the stream for exactly this grant's session ID.
    if (isServiceGrant(grant)) {
      const r = this.core.streams.get(grant.appID, streamID);
      if (!r || r.sessionID !== grant.sessionID || r.roomID !== grant.roomID)
        return refuse(ErrorCode.STREAM_NOT_OWNED, 'the mix task that asked for this URL is gone');
      return { ok: true, grant, owner: userKey(grant.appID, grant.userID) };
    }
    const session = this.core.findSession(grant.sessionID);
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
    return { ok: true, grant, owner: userKey(grant.appID, grant.userID) };
  }

  streamLive(appID: number, streamID: string): void {
    this.core.streamLive(appID, streamID);
  }

  streamGone(appID: number, streamID: string, reason: string): void {
    if (!this.fetchStreamRoom) {
      this.core.streamGone(appID, streamID, reason);
      return;
    }
    // A stream may end on a node that holds no replica of its room (a dead media node's streams are
    // ended by whichever node reaps it): fetch the room first, so the change is replicated.
    void this.fetchStreamRoom(appID, streamID)
      .catch(() => undefined)
      .then(() => this.core.streamGone(appID, streamID, reason));
  }

  attachController(c: MediaController): void {
    this.core.controller = c;
  }
}

import type { PushBody, RoomSnapshot, WireRoomExtraInfo } from '@minirtc/protocol';
import { KeyedLimiter, TokenBucket } from './rate-limiter.js';
import type { Membership } from './membership.js';
import { encodePush } from './push-encoding.js';
import { type StreamReservation, wireStream } from './stream-registry.js';

/** Per-room message rates (ZEGO's published limits by default). */
export interface RoomLimits {
  broadcastPerSecond: number;
  barragePerSecond: number;
  customCommandPerSecond: number;
}

/**
 * A room of one app: members, reserved streams, extra info, and the per-room rate limits. It knows how
 * to address its members; deciding who joins or leaves is the {@link Signaling} core's job.
 */
export class Room {
  readonly createdAt = Date.now();
  /** Members by userID (includes sessions in their grace window: they have not left). */
  readonly members = new Map<string, Membership>();
  /** Streams reserved in this room, by streamID (live or not). */
  readonly streams = new Map<string, StreamReservation>();
  readonly extraInfo = new Map<string, WireRoomExtraInfo>();
  /** Bumped on every user or stream change, so snapshots and updates can be ordered by the client. */
  roomSeq = 0;
  /** Numeric messageIDs of broadcast messages (ZEGO's type for them). */
  broadcastCounter = 0;
  readonly broadcastLimit: TokenBucket;
  readonly barrageLimit: TokenBucket;
  /** Custom commands, keyed by receiving userID. */
  readonly commandLimit: KeyedLimiter;

  constructor(
    readonly appID: number,
    readonly roomID: string,
    /** Maximum members, Infinity when unbounded. */
    readonly maxMembers: number,
    limits: RoomLimits,
  ) {
    this.broadcastLimit = new TokenBucket(limits.broadcastPerSecond);
    this.barrageLimit = new TokenBucket(limits.barragePerSecond);
    this.commandLimit = new KeyedLimiter(limits.customCommandPerSecond);
  }

  /** Live streams, in reservation order. */
  liveStreams(): StreamReservation[] {
    return [...this.streams.values()].filter((s) => s.live);
  }

  /** Sends a push to every member except `exceptUserID`, optionally filtered; serialized once. */
  pushToOthers(exceptUserID: string | null, body: PushBody, filter?: (m: Membership) => boolean): void {
    let encoded: string | undefined;
    for (const [uid, m] of this.members) {
      if (uid === exceptUserID) continue;
      if (filter && !filter(m)) continue;
      encoded ??= encodePush(body).json;
      m.session.push(body, encoded);
    }
  }

  /** The room as `userID` sees it at login: others only, and live streams not its own. */
  snapshot(userID: string): RoomSnapshot {
    return {
      roomID: this.roomID,
      roomSeq: this.roomSeq,
      users: [...this.members.values()].filter((m) => m.session.userID !== userID).map((m) => m.user),
      streams: this.liveStreams()
        .filter((s) => s.userID !== userID)
        .map(wireStream),
      extraInfo: [...this.extraInfo.values()],
      onlineCount: this.members.size,
    };
  }
}

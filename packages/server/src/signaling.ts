import { CloseCode, ErrorCode, errorMessage } from '@minirtc/protocol';
import type { Token04Info } from '@minirtc/protocol/crypto';
import type { Emit } from './events.js';
import type { Logger } from './logger.js';
import type { MediaController } from './media-bridge.js';
import { Membership } from './membership.js';
import { DEFAULT_PRESENCE, OnlineCountPusher, type PresenceConfig } from './room-presence.js';
import type { Room, RoomLimits } from './room.js';
import { RoomRegistry } from './room-registry.js';
import { Session, type Transport } from './session.js';
import { SessionRegistry } from './session-registry.js';
import { type StreamReservation, StreamRegistry, wireStream } from './stream-registry.js';
import { armTokenTimers } from './token-timers.js';

/** Timing and size settings of the core (resolved from {@link ServerOptions}). */
export interface SignalingConfig {
  resumeGraceMs: number;
  tokenWillExpireSeconds: number;
  maxBufferedPushes: number;
  roomLimits: RoomLimits;
  /** onlineCount coalescing and the room size above which per-user updates stop. */
  presence?: PresenceConfig;
}

/**
 * The room state machine: who is in which room, who owns which stream, and every transition between
 * (join, leave, kick, drop, resume, replacement, stream live/gone) with the pushes each one owes the
 * others. Handlers validate and authorize; this class keeps the invariants. All of it is synchronous,
 * so a transition is never interleaved with another.
 */
export class Signaling {
  readonly sessions = new SessionRegistry();
  readonly rooms: RoomRegistry;
  readonly streams = new StreamRegistry();
  /** Set by the media gateway through {@link MediaBridge.attachController}. */
  controller: MediaController | null = null;
  readonly #presence: PresenceConfig;
  readonly #counts: OnlineCountPusher;

  constructor(
    readonly config: SignalingConfig,
    private readonly emit: Emit,
    private readonly log: Logger,
  ) {
    this.rooms = new RoomRegistry(config.roomLimits);
    this.#presence = config.presence ?? DEFAULT_PRESENCE;
    this.#counts = new OnlineCountPusher(this.#presence.onlineCountIntervalMs);
  }

  /** A new, registered session. */
  createSession(appID: number, userID: string, userName: string): Session {
    const s = new Session(appID, userID, userName, this.config.maxBufferedPushes);
    this.sessions.add(s);
    return s;
  }

  /** The room, created if absent (second value: whether it was created). */
  openRoom(appID: number, roomID: string, maxMembers: number): [Room, boolean] {
    const existing = this.rooms.get(appID, roomID);
    if (existing) return [existing, false];
    const room = this.rooms.create(appID, roomID, maxMembers);
    this.emit('roomCreated', { appID, roomID });
    return [room, true];
  }

  /**
   * Adds a session to a room and tells the others: ADD to those who asked while the room is at most
   * `userUpdateMaxMembers`, and the (coalesced) onlineCount to all.
   */
  join(room: Room, session: Session, token: Token04Info, userUpdate: boolean): Membership {
    const m = new Membership(room, session, token, userUpdate);
    room.members.set(session.userID, m);
    session.rooms.set(room.roomID, m);
    room.roomSeq += 1;
    if (room.members.size <= this.#presence.userUpdateMaxMembers)
      room.pushToOthers(
        session.userID,
        {
          type: 'userUpdate',
          roomID: room.roomID,
          roomSeq: room.roomSeq,
          updateType: 'ADD',
          users: [m.user],
        },
        (o) => o.userUpdate,
      );
    this.#counts.changed(room, session.userID);
    this.emit('login', {
      appID: room.appID,
      roomID: room.roomID,
      userID: session.userID,
      sessionID: session.id,
      replaced: false,
    });
    return m;
  }

  /**
   * Removes a member: its streams first (DELETE for live ones, media dropped), then the user (DELETE
   * to those who asked, onlineCount to all). An empty room is closed.
   */
  leave(m: Membership, reason: string): void {
    const { room, session } = m;
    if (room.members.get(session.userID) !== m) return;
    m.clearTimers();
    for (const r of [...room.streams.values()]) {
      if (r.userID === session.userID) this.release(r, reason);
    }
    const large = room.members.size > this.#presence.userUpdateMaxMembers;
    room.members.delete(session.userID);
    session.rooms.delete(room.roomID);
    room.roomSeq += 1;
    if (!large)
      room.pushToOthers(
        null,
        {
          type: 'userUpdate',
          roomID: room.roomID,
          roomSeq: room.roomSeq,
          updateType: 'DELETE',
          users: [m.user],
        },
        (o) => o.userUpdate,
      );
    this.#counts.changed(room, null);
    this.emit('logout', {
      appID: room.appID,
      roomID: room.roomID,
      userID: session.userID,
      sessionID: session.id,
      reason,
    });
    if (room.members.size === 0) {
      this.rooms.delete(room.appID, room.roomID);
      this.emit('roomClosed', { appID: room.appID, roomID: room.roomID });
    }
  }

  /**
   * Ends a session: leaves every room, forgets it, and (unless its media passes to a successor) tells
   * the gateway to drop the user's media. Does not close the socket: callers choose the close code.
   */
  endSession(s: Session, reason: string, dropMedia = true): void {
    if (s.ended) return;
    for (const m of [...s.rooms.values()]) this.leave(m, reason);
    s.ended = true;
    if (s.graceTimer) clearTimeout(s.graceTimer);
    s.graceTimer = null;
    this.sessions.delete(s);
    // A lingering session's user lives on in a successor: its streams went with `leave` above, and
    // dropping everything of the user would take the successor's media too.
    if (dropMedia && !s.lingering) this.controller?.dropUser(s.appID, s.userID, reason);
  }

  /** Ends a session after telling it why (kickout in every room), then closes its socket. */
  kickSession(s: Session, code: number, closeCode: number = CloseCode.KICKED): void {
    for (const m of s.rooms.values()) {
      s.push({ type: 'kickout', roomID: m.room.roomID, code, message: errorMessage(code) });
      this.emit('kick', { appID: s.appID, roomID: m.room.roomID, userID: s.userID, code });
    }
    const t = s.transport;
    this.endSession(s, code === ErrorCode.KICKED_SAME_USER ? 'replaced' : 'kick');
    this.#detachTransport(s, t, closeCode, errorMessage(code));
  }

  /** Kicks a session out of one room; a session left in no room ends and its socket closes. */
  kickFromRoom(m: Membership, code: number, reason = 'kick'): void {
    const s = m.session;
    s.push({ type: 'kickout', roomID: m.room.roomID, code, message: errorMessage(code) });
    this.emit('kick', { appID: s.appID, roomID: m.room.roomID, userID: s.userID, code });
    this.leave(m, reason);
    if (s.rooms.size === 0) {
      const t = s.transport;
      this.endSession(s, reason);
      this.#detachTransport(s, t, CloseCode.KICKED, errorMessage(code));
    }
  }

  #detachTransport(s: Session, t: Transport | null, code: number, why: string): void {
    s.transport = null;
    t?.close(code, why);
  }

  /** Attaches a socket to a session (login or resume), ending any grace window. */
  attach(s: Session, t: Transport): void {
    if (s.graceTimer) clearTimeout(s.graceTimer);
    s.graceTimer = null;
    s.transport = t;
  }

  /** The session lost its socket without logging out: hold it for `resumeGraceMs`, buffering pushes. */
  detach(s: Session): void {
    if (s.ended) return;
    s.transport = null;
    if (s.graceTimer) clearTimeout(s.graceTimer);
    this.emit('sessionDetached', { appID: s.appID, userID: s.userID, sessionID: s.id });
    s.graceTimer = setTimeout(() => {
      s.graceTimer = null;
      this.log.info({ appID: s.appID, userID: s.userID, sessionID: s.id }, 'grace window over');
      this.endSession(s, 'grace');
    }, this.config.resumeGraceMs);
    s.graceTimer.unref();
  }

  /**
   * A new session of the same user takes `roomID` over from `old`, a session in its grace window:
   * membership and streams there pass to `next` with nothing sent to the others (the user never left).
   * Returns the new membership, or null when `old` is not in that room. `old` ends once it holds no
   * room (its media kept: it now belongs to `next`); until then it lingers for the rest of its grace
   * window, so a client logging in to its other rooms too takes those over the same way, and rooms it
   * does not come back to see the user leave when the window ends.
   */
  adopt(
    old: Session,
    next: Session,
    roomID: string,
    token: Token04Info,
    userUpdate: boolean,
  ): Membership | null {
    const kept = old.rooms.get(roomID);
    let m: Membership | null = null;
    if (kept) {
      old.rooms.delete(roomID);
      kept.clearTimers();
      m = new Membership(kept.room, next, token, userUpdate);
      kept.room.members.set(next.userID, m);
      next.rooms.set(roomID, m);
      for (const r of kept.room.streams.values()) if (r.userID === next.userID) r.sessionID = next.id;
      this.emit('login', {
        appID: next.appID,
        roomID,
        userID: next.userID,
        sessionID: next.id,
        replaced: true,
      });
    }
    if (old.rooms.size === 0) {
      this.sessions.alias(old, next);
      this.endSession(old, 'replaced', false);
    } else if (!old.lingering) {
      old.lingering = true;
      this.sessions.linger(old);
    }
    return m;
  }

  /** Schedules `tokenWillExpire` and the expiry kick (1102018) for a membership's current token. */
  scheduleToken(m: Membership): void {
    armTokenTimers(m, this.config.tokenWillExpireSeconds, (x) => {
      this.log.info(
        { appID: x.room.appID, roomID: x.room.roomID, userID: x.session.userID },
        'token expired',
      );
      this.kickFromRoom(x, ErrorCode.TOKEN_EXPIRED, 'expired');
    });
  }

  /** Releases a reservation: DELETE to the room if it was live, and the gateway drops the media. */
  release(r: StreamReservation, reason: string): void {
    this.streams.delete(r.appID, r.streamID);
    const room = this.rooms.get(r.appID, r.roomID);
    room?.streams.delete(r.streamID);
    if (r.live) {
      r.live = false;
      if (room) this.#announceStream(room, r, 'DELETE');
      this.emit('streamGone', {
        appID: r.appID,
        roomID: r.roomID,
        streamID: r.streamID,
        userID: r.userID,
        reason,
      });
    }
    this.controller?.dropStream(r.appID, r.streamID, reason);
  }

  /** Media is flowing for a reserved stream: it enters the room's list. */
  streamLive(appID: number, streamID: string): boolean {
    const r = this.streams.get(appID, streamID);
    const room = r && this.rooms.get(appID, r.roomID);
    if (!r || !room) {
      this.log.warn({ appID, streamID }, 'streamLive for a stream nobody reserved');
      return false;
    }
    if (r.live) return true;
    r.live = true;
    this.#announceStream(room, r, 'ADD');
    const owner = room.members.get(r.userID);
    owner?.session.push({
      type: 'mediaUpdate',
      roomID: room.roomID,
      streamID,
      kind: 'publish',
      state: 'live',
      code: 0,
    });
    this.emit('streamLive', { appID, roomID: r.roomID, streamID, userID: r.userID });
    return true;
  }

  /** Media stopped for a live stream: it leaves the list (the reservation stays for a re-push). */
  streamGone(appID: number, streamID: string, reason: string): boolean {
    const r = this.streams.get(appID, streamID);
    if (!r?.live) return false;
    r.live = false;
    const room = this.rooms.get(appID, r.roomID);
    if (room) {
      this.#announceStream(room, r, 'DELETE');
      room.members.get(r.userID)?.session.push({
        type: 'mediaUpdate',
        roomID: room.roomID,
        streamID,
        kind: 'publish',
        state: 'stopped',
        code: 0,
        message: reason,
      });
    }
    this.emit('streamGone', { appID, roomID: r.roomID, streamID, userID: r.userID, reason });
    return true;
  }

  #announceStream(room: Room, r: StreamReservation, updateType: 'ADD' | 'DELETE'): void {
    room.roomSeq += 1;
    room.pushToOthers(r.userID, {
      type: 'streamUpdate',
      roomID: room.roomID,
      roomSeq: room.roomSeq,
      updateType,
      streams: [wireStream(r)],
    });
  }

  /** Closes a room: every member is kicked with 1002055. Returns how many were removed. */
  closeRoom(appID: number, roomID: string): number {
    const room = this.rooms.get(appID, roomID);
    if (!room) return 0;
    const members = [...room.members.values()];
    for (const m of members) this.kickFromRoom(m, ErrorCode.KICKED_BY_SERVER, 'closed');
    return members.length;
  }

  /** Ends everything (server shutdown), closing sockets with `closeCode`. */
  shutdown(closeCode: number): void {
    for (const s of this.sessions.all()) {
      const t = s.transport;
      this.endSession(s, 'shutdown');
      this.#detachTransport(s, t, closeCode, 'server shutting down');
    }
  }
}

import { CloseCode, ErrorCode, MiniRtcError, errorMessage } from '@minirtc/protocol';
import type { Token04Info } from '@minirtc/protocol/crypto';
import type { Emit } from '../events.js';
import type { Logger } from '../logger.js';
import type { MediaController } from './media-port.js';
import type { PushBody, RoomSnapshot, WireRoomExtraInfo } from '@minirtc/protocol';
import {
  Membership,
  type RemoteSession,
  type Room,
  type RoomLimits,
  Session,
  type Transport,
} from './model.js';
import type { Replicator } from './replicator.js';
import { DEFAULT_PRESENCE, OnlineCountPusher, type PresenceConfig } from './room-presence.js';
import {
  type CoreStores,
  type RoomReader,
  type SessionReader,
  type StreamReader,
  memoryStores,
} from './stores.js';
import { type StreamReservation, wireStream } from './stream-registry.js';
import { armTokenTimers } from './token-timers.js';

/** Keys one room may hold in its extra info (ZEGO allows few; bounded so a room cannot grow without end). */
export const MAX_ROOM_EXTRA_KEYS = 10;

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
  /** Set by the media gateway through {@link MediaBridge.attachController}. */
  controller: MediaController | null = null;
  /**
   * Set in a cluster: told of every transition this node makes on its own, so the other nodes'
   * replicas follow (see {@link applyRemote}).
   */
  replicator: Replicator | null = null;
  /** Depth of {@link applyRemote}: while > 0, transitions are another node's, already announced. */
  #remoteDepth = 0;
  /** Sessions of other nodes present in this node's room replicas, by ID. */
  readonly #remoteSessions = new Map<string, RemoteSession>();
  /** The writable stores: only this class changes them. */
  readonly #stores: CoreStores;
  readonly #presence: PresenceConfig;
  readonly #counts: OnlineCountPusher;

  /**
   * @param stores where the state lives; default: in memory (see {@link memoryStores})
   */
  constructor(
    readonly config: SignalingConfig,
    private readonly emitAny: Emit,
    private readonly log: Logger,
    stores?: CoreStores,
  ) {
    this.#stores = stores ?? memoryStores(config.roomLimits);
    this.#presence = config.presence ?? DEFAULT_PRESENCE;
    this.#counts = new OnlineCountPusher(this.#presence.onlineCountIntervalMs);
  }

  /**
   * Events (webhooks, timeline, metrics) are the originating node's: a transition applied for
   * another node emits nothing here.
   */
  private readonly emit: Emit = (name, ...args) => {
    if (this.#remoteDepth === 0) this.emitAny(name, ...args);
  };

  /** The replicator, unless this transition is another node's. */
  get #rep(): Replicator | null {
    return this.#remoteDepth === 0 ? this.replicator : null;
  }

  /** The media controller, unless this transition is another node's (its node acts on media). */
  get #media(): MediaController | null {
    return this.#remoteDepth === 0 ? this.controller : null;
  }

  /**
   * Runs `fn` as another node's transition: state changes and local members are told as usual, but
   * nothing is replicated, emitted or done to media (the originating node did that).
   */
  applyRemote<T>(fn: () => T): T {
    this.#remoteDepth += 1;
    try {
      return fn();
    } finally {
      this.#remoteDepth -= 1;
    }
  }

  /** Registers another node's session seen in a replica (see {@link RemoteSession}). */
  addRemoteSession(s: RemoteSession): void {
    this.#remoteSessions.set(s.id, s);
  }

  /** Forgets another node's session once it is in no replica here. */
  dropRemoteSession(s: Session): void {
    if (this.#remoteSessions.get(s.id) === s) this.#remoteSessions.delete(s.id);
  }

  /** A session by ID: this node's (following silent replacements), else another node's in a replica. */
  findSession(id: string): Session | undefined {
    return this.sessions.get(id) ?? this.#remoteSessions.get(id);
  }

  /** Sessions, read-only: they change through this class's methods. */
  get sessions(): SessionReader {
    return this.#stores.sessions;
  }

  /** Rooms, read-only. */
  get rooms(): RoomReader {
    return this.#stores.rooms;
  }

  /** Stream reservations, read-only. */
  get streams(): StreamReader {
    return this.#stores.streams;
  }

  /** A new, registered session. */
  createSession(appID: number, userID: string, userName: string): Session {
    const s = new Session(appID, userID, userName, this.config.maxBufferedPushes);
    this.#stores.sessions.add(s);
    return s;
  }

  /** The room, created if absent (second value: whether it was created). */
  openRoom(appID: number, roomID: string, maxMembers: number): [Room, boolean] {
    const existing = this.rooms.get(appID, roomID);
    if (existing) return [existing, false];
    const room = this.#stores.rooms.create(appID, roomID, maxMembers);
    this.emit('roomCreated', { appID, roomID });
    return [room, true];
  }

  /**
   * The login snapshot for a member: with the member list only when it asked for `userUpdate` and the
   * room is at most `userUpdateMaxMembers` (above it nobody gets per-user updates, as with ZEGO).
   */
  snapshotFor(m: Membership): RoomSnapshot {
    const withUsers = m.userUpdate && m.room.members.size <= this.#presence.userUpdateMaxMembers;
    return m.room.snapshot(m.session.userID, withUsers);
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
    this.#rep?.joined(room, m);
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
    this.#rep?.left(room, m, reason);
    if (session.remote && session.rooms.size === 0) this.dropRemoteSession(session);
    if (room.members.size === 0) {
      this.#stores.rooms.delete(room.appID, room.roomID);
      // In a cluster the shared roster decides when a room is empty (see Replicator.left).
      if (!this.replicator) this.emit('roomClosed', { appID: room.appID, roomID: room.roomID });
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
    this.#stores.sessions.delete(s);
    if (!s.remote) this.#rep?.sessionState(s, 'ended');
    // A lingering session's user lives on in a successor: its streams went with `leave` above, and
    // dropping everything of the user would take the successor's media too.
    if (dropMedia && !s.lingering) this.#media?.dropUser(s.appID, s.userID, reason);
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
    if (s.remote) {
      // Another node holds the socket and the token timers: it kicks (and announces the leave).
      this.replicator?.kickRemote(m, code, reason);
      return;
    }
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
    this.#rep?.sessionState(s, 'attached');
  }

  /** The session lost its socket without logging out: hold it for `resumeGraceMs`, buffering pushes. */
  detach(s: Session): void {
    if (s.ended) return;
    s.transport = null;
    if (s.graceTimer) clearTimeout(s.graceTimer);
    this.emit('sessionDetached', { appID: s.appID, userID: s.userID, sessionID: s.id });
    this.#rep?.sessionState(s, 'detached');
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
      this.#rep?.moved(kept.room, m, old);
    }
    if (old.remote) {
      if (old.rooms.size === 0) this.dropRemoteSession(old);
      return m;
    }
    if (old.rooms.size === 0) {
      this.#stores.sessions.alias(old, next);
      this.endSession(old, 'replaced', false);
    } else if (!old.lingering) {
      old.lingering = true;
      this.#stores.sessions.linger(old);
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

  /**
   * `publish`: reserves `streamID` for the member's user (unique per AppID), or renews the user's own
   * reservation (a retry, or after a silent replacement) with the calling session. The room's list
   * does not change: the stream enters it when the gateway reports media ({@link streamLive}).
   */
  reserveStream(m: Membership, streamID: string, extraInfo: string | undefined): StreamReservation {
    const s = m.session;
    const taken = this.streams.get(s.appID, streamID);
    if (taken && taken.userID !== s.userID) throw new MiniRtcError(ErrorCode.STREAM_ID_TAKEN);
    if (taken && taken.roomID !== m.room.roomID) {
      throw new MiniRtcError(ErrorCode.STREAM_ID_TAKEN, 'you publish this streamID in another room');
    }
    if (taken) {
      taken.sessionID = s.id;
      if (extraInfo !== undefined) taken.extraInfo = extraInfo;
      this.#rep?.reserved(taken);
      return taken;
    }
    const r: StreamReservation = {
      appID: s.appID,
      streamID,
      roomID: m.room.roomID,
      userID: s.userID,
      userName: s.userName,
      sessionID: s.id,
      extraInfo: extraInfo ?? '',
      live: false,
      reservedAt: Date.now(),
    };
    this.#stores.streams.set(r);
    m.room.streams.set(r.streamID, r);
    this.#rep?.reserved(r);
    return r;
  }

  /** A reservation for a server-side producer (a mix output): no member owns it; its room must exist. */
  reserveServiceStream(r: StreamReservation): void {
    if (this.streams.get(r.appID, r.streamID)) throw new MiniRtcError(ErrorCode.STREAM_ID_TAKEN);
    const room = this.rooms.get(r.appID, r.roomID);
    if (!room) throw new MiniRtcError(ErrorCode.ROOM_NOT_EXIST);
    this.#stores.streams.set(r);
    room.streams.set(r.streamID, r);
    this.#rep?.reserved(r);
  }

  /** A stream's extra info (own streams only); a live stream's change goes to the others. */
  setStreamExtraInfo(m: Membership, streamID: string, extraInfo: string): void {
    const r = this.streams.get(m.session.appID, streamID);
    if (!r || r.roomID !== m.room.roomID) throw new MiniRtcError(ErrorCode.STREAM_NOT_FOUND);
    if (r.userID !== m.session.userID) throw new MiniRtcError(ErrorCode.STREAM_NOT_OWNED);
    r.extraInfo = extraInfo;
    this.#rep?.streamExtra(r);
    if (r.live) {
      m.room.pushToOthers(r.userID, {
        type: 'streamExtraInfo',
        roomID: m.room.roomID,
        streams: [{ streamID: r.streamID, user: m.user, extraInfo: r.extraInfo }],
      });
    }
  }

  /** A room extra info key (at most {@link MAX_ROOM_EXTRA_KEYS} per room); the others are told. */
  setRoomExtraInfo(m: Membership, key: string, value: string): void {
    const info = m.room.extraInfo;
    if (!info.has(key) && info.size >= MAX_ROOM_EXTRA_KEYS) {
      throw new MiniRtcError(
        ErrorCode.ROOM_EXTRA_INFO_KEY_TOO_LONG,
        `a room holds at most ${MAX_ROOM_EXTRA_KEYS} keys`,
      );
    }
    this.putRoomExtraInfo(m.room, { key, value, updateUser: m.user, updateTime: Date.now() });
  }

  /** Stores a room extra info item and tells the members but its author. */
  putRoomExtraInfo(room: Room, item: WireRoomExtraInfo): void {
    room.extraInfo.set(item.key, item);
    room.pushToOthers(item.updateUser.userID, { type: 'roomExtraInfo', roomID: room.roomID, items: [item] });
    this.#rep?.roomExtra(room, item);
  }

  /** A message from `from` to every other member of its room (broadcast, barrage), on every node. */
  sendToRoom(room: Room, fromUserID: string, body: PushBody): void {
    room.pushToOthers(fromUserID, body);
    this.#rep?.message(room, body, fromUserID, null);
  }

  /** A message to some members (a custom command), wherever their node is. */
  sendToMembers(room: Room, fromUserID: string, to: string[], body: PushBody): void {
    for (const t of to) room.pushTo(t, body);
    this.#rep?.message(room, body, fromUserID, to);
  }

  /** The next broadcast messageID of a room (ZEGO's is a per-room number). */
  nextBroadcastID(room: Room): number {
    room.broadcastCounter += 1;
    return room.broadcastCounter;
  }

  /** A membership's token is replaced (renewToken); arm its timers with {@link scheduleToken}. */
  renewToken(m: Membership, token: Token04Info): void {
    m.token = token;
  }

  /** Releases a reservation: DELETE to the room if it was live, and the gateway drops the media. */
  release(r: StreamReservation, reason: string): void {
    this.#stores.streams.delete(r.appID, r.streamID);
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
    this.emit('streamReleased', {
      appID: r.appID,
      roomID: r.roomID,
      streamID: r.streamID,
      userID: r.userID,
      reason,
    });
    this.#rep?.released(r, reason);
    this.#media?.dropStream(r.appID, r.streamID, reason);
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
    this.#rep?.streamState(r, true, '');
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
    this.#rep?.streamState(r, false, reason);
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

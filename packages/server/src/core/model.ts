import { timingSafeEqual } from 'node:crypto';
import { userKey } from '@minirtc/protocol';
import type {
  PushBody,
  PushMessage,
  RoomSnapshot,
  ServerMessage,
  WireRoomExtraInfo,
  WireUser,
} from '@minirtc/protocol';
import { KeyedLimiter, TokenBucket } from '../rate-limiter.js';
import { encodePush, frameWithSeq } from './push-encoding.js';
import { randomId } from './random-id.js';
import { type StreamReservation, wireStream } from './stream-registry.js';
import type { Token04Info } from '@minirtc/protocol/crypto';
import type { LongTimer } from './timers.js';

/**
 * The core's linked entities: a {@link Session} (one logged-in client), a {@link Room}, and the
 * {@link Membership} that links them (held by both sides). They reference each other, so they live in
 * one module: the core's import graph stays free of cycles. Only the {@link Signaling} core changes
 * who is a member of what.
 * @packageDocumentation
 */

/** What a session needs from the socket it is attached to; implemented by {@link Connection}. */
export interface Transport {
  send(msg: ServerMessage): void;
  /** Sends a frame already serialized (a push encoded once for a whole room). */
  sendText?(text: string): void;
  close(code: number, reason: string): void;
}

/** A push kept for resume: its seq in the session and its body (shared by a room's members). */
interface BufferedPush {
  readonly seq: number;
  readonly body: PushBody;
}

/** The wire form of push `body` numbered `seq` in a session. */
function pushMessage(body: PushBody, seq: number): PushMessage {
  return { ...body, seq } as PushMessage;
}

/**
 * One logged-in client (one engine): its identity, the rooms it is in, and its push stream. Pushes get
 * a per-session `seq` and stay buffered until the client acknowledges them (`ping.lastSeq`), so a
 * client that lost its socket can resume and receive exactly what it missed, in order.
 */
export class Session {
  /** Public handle, sent to the client and embedded in stream grants. */
  readonly id: string;
  /** Secret the client must present to resume; never logged. */
  readonly resumeKey: string;
  /** Rooms this session is in, by roomID. */
  readonly rooms = new Map<string, Membership>();
  /** Attached socket; null while the session is in its grace window. */
  transport: Transport | null = null;
  /** Grace timer while detached. */
  graceTimer: NodeJS.Timeout | null = null;
  /** Set once the session left every room for good; a stale reference must not act on it. */
  ended = false;
  /**
   * Set when a new session of the same user took some of this one's rooms over while it was in grace:
   * it keeps the rest until its window ends, but can no longer be resumed.
   */
  lingering = false;
  /** IDs of sessions this one replaced silently, so their stream grants stay valid. */
  readonly aliases: string[] = [];

  #seq = 0;
  /**
   * Unacknowledged pushes, oldest first: each its seq and the body, which a room push shares with every
   * member (no copy per member; the message is put together only if it must be sent again on resume).
   */
  #buffer: BufferedPush[] = [];
  /** Highest seq no longer buffered (dropped for space or acknowledged): resume cannot reach below it. */
  #lostUpTo = 0;

  constructor(
    readonly appID: number,
    readonly userID: string,
    public userName: string,
    private readonly maxBuffered: number,
    id?: string,
  ) {
    this.id = id ?? randomId(12);
    this.resumeKey = randomId(24);
  }

  /** Where this session's socket is: this node, or (for {@link RemoteSession}) another one. */
  get remote(): boolean {
    return false;
  }

  /** {@link userKey}: the key of the one-session-per-user rule and of media ownership. */
  get key(): string {
    return userKey(this.appID, this.userID);
  }

  /** Seq of the last push. */
  get seq(): number {
    return this.#seq;
  }

  /** Number of buffered (unacknowledged) pushes. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /**
   * Assigns the next seq, buffers the push and sends it if a socket is attached. `json` is the body
   * already serialized (`JSON.stringify(body)`) when the same push goes to a whole room.
   */
  push(body: PushBody, json?: string): void {
    if (this.ended) return;
    const seq = ++this.#seq;
    this.#buffer.push({ seq, body });
    if (this.#buffer.length > this.maxBuffered) {
      // Bounded memory per session: the oldest push goes and resume from before it becomes impossible.
      const dropped = this.#buffer.shift();
      if (dropped) this.#lostUpTo = dropped.seq;
    }
    const t = this.transport;
    if (!t) return;
    if (json !== undefined && t.sendText) t.sendText(frameWithSeq(json, seq));
    else t.send(pushMessage(body, seq));
  }

  /** The client has everything up to `lastSeq`: forget it. */
  ack(lastSeq: number): void {
    if (lastSeq > this.#seq) return;
    let i = 0;
    while (i < this.#buffer.length && (this.#buffer[i] as BufferedPush).seq <= lastSeq) i++;
    if (i > 0) this.#buffer.splice(0, i);
    // A resume from below an acknowledged seq would silently miss pushes: make it fail instead.
    if (lastSeq > this.#lostUpTo) this.#lostUpTo = lastSeq;
  }

  /**
   * Pushes with `seq > lastSeq`, in order, or null when they cannot all be delivered (some were dropped
   * from the bounded buffer, or `lastSeq` is from the future).
   */
  missedSince(lastSeq: number): PushMessage[] | null {
    if (lastSeq > this.#seq || lastSeq < this.#lostUpTo) return null;
    return this.#buffer.filter((m) => m.seq > lastSeq).map((m) => pushMessage(m.body, m.seq));
  }

  /** Constant-time check of a resume key. */
  checkResumeKey(key: string): boolean {
    const a = Buffer.from(key);
    const b = Buffer.from(this.resumeKey);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/**
 * A session held by another node of a cluster, as this node's replica of a room sees it: a member
 * others are told about, whose pushes its own node delivers (they are dropped here). It has no
 * socket, timers or buffer on this node, and is never in the local session store.
 */
export class RemoteSession extends Session {
  constructor(
    appID: number,
    userID: string,
    userName: string,
    id: string,
    /** The node that holds the socket. */
    public node: string,
  ) {
    super(appID, userID, userName, 0, id);
  }

  override get remote(): boolean {
    return true;
  }

  /** Pushes to a remote member are delivered by its own node: nothing to do here. */
  override push(_body: PushBody): void {}
}

/**
 * Default members a room push reaches per event-loop turn ({@link RoomLimits.fanoutSlice}): ≈ 4 ms of
 * sending at ≈ 17 µs per member measured here.
 */
export const DEFAULT_FANOUT_SLICE = 256;
/** Default deliveries a room may have waiting ({@link RoomLimits.pushBacklogMax}): ≈ 2 s of sending. */
export const DEFAULT_PUSH_BACKLOG_MAX = 100_000;

/**
 * A room push on its way: the memberships it is for and the session of each when it was sent (a
 * takeover swaps a membership's session), and how far it got.
 */
interface QueuedPush {
  readonly body: PushBody;
  /** The body serialized once for all (absent for a push to a single member). */
  readonly json: string | undefined;
  readonly to: Membership[];
  readonly sessions: Session[];
  next: number;
}

/** Per-room message rates (ZEGO's published limits by default) and how room pushes are spread. */
export interface RoomLimits {
  broadcastPerSecond: number;
  barragePerSecond: number;
  customCommandPerSecond: number;
  /**
   * Members a push reaches per event-loop turn; the rest get it on the following turns, after other
   * connections' I/O has run, so a room of thousands does not hold the loop for its whole fan-out.
   * Later pushes to the room queue behind it: every member still sees the room's pushes in order.
   * Default {@link DEFAULT_FANOUT_SLICE}.
   */
  fanoutSlice?: number;
  /**
   * Deliveries a room may have waiting before its broadcasts and barrages are refused as too
   * frequent (state changes — users, streams, extra info — always queue). Default
   * {@link DEFAULT_PUSH_BACKLOG_MAX}.
   */
  pushBacklogMax?: number;
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
  /** Pushes not yet delivered to every member they are for, oldest first. */
  #outbox: QueuedPush[] = [];
  /** Deliveries waiting in the outbox. */
  #backlog = 0;
  #turn: NodeJS.Immediate | null = null;
  readonly #slice: number;
  readonly #backlogMax: number;
  /** True while a slice is being delivered: a push caused by a delivery (a socket closing) only queues. */
  #delivering = false;

  constructor(
    readonly appID: number,
    readonly roomID: string,
    /** Maximum members, Infinity when unbounded. */
    readonly maxMembers: number,
    limits: RoomLimits,
  ) {
    this.#slice = Math.max(1, limits.fanoutSlice ?? DEFAULT_FANOUT_SLICE);
    this.#backlogMax = limits.pushBacklogMax ?? DEFAULT_PUSH_BACKLOG_MAX;
    this.broadcastLimit = new TokenBucket(limits.broadcastPerSecond);
    this.barrageLimit = new TokenBucket(limits.barragePerSecond);
    this.commandLimit = new KeyedLimiter(limits.customCommandPerSecond);
  }

  /** Live streams, in reservation order. */
  liveStreams(): StreamReservation[] {
    return [...this.streams.values()].filter((s) => s.live);
  }

  /**
   * Sends a push to every member except `exceptUserID`, optionally filtered; serialized once. A room
   * larger than {@link RoomLimits.fanoutSlice} gets it over several event-loop turns (the members are
   * taken now: one who joins meanwhile has it in its login snapshot, one who leaves does not get it).
   */
  pushToOthers(exceptUserID: string | null, body: PushBody, filter?: (m: Membership) => boolean): void {
    let encoded: string | undefined;
    if (this.#outbox.length === 0 && this.members.size <= this.#slice) {
      for (const [uid, m] of this.members) {
        if (uid === exceptUserID) continue;
        if (filter && !filter(m)) continue;
        encoded ??= encodePush(body).json;
        m.session.push(body, encoded);
      }
      return;
    }
    const to: Membership[] = [];
    const sessions: Session[] = [];
    for (const [uid, m] of this.members) {
      if (uid === exceptUserID) continue;
      if (filter && !filter(m)) continue;
      to.push(m);
      sessions.push(m.session);
    }
    if (to.length > 0) this.#enqueue({ body, json: encodePush(body).json, to, sessions, next: 0 });
  }

  /** Sends a push to one member, after the room's pushes still on their way (order kept). */
  pushTo(userID: string, body: PushBody): void {
    const m = this.members.get(userID);
    if (!m) return;
    if (this.#outbox.length === 0) m.session.push(body);
    else this.#enqueue({ body, json: undefined, to: [m], sessions: [m.session], next: 0 });
  }

  /** Deliveries still waiting to go out (see {@link RoomLimits.pushBacklogMax}). */
  get pushBacklog(): number {
    return this.#backlog;
  }

  /** Whether the room's fan-out is so far behind that broadcasts and barrages are refused. */
  get pushesBehind(): boolean {
    return this.#backlog >= this.#backlogMax;
  }

  #enqueue(q: QueuedPush): void {
    this.#outbox.push(q);
    this.#backlog += q.to.length;
    // The first slice goes out now, as an unqueued push would; the turn's budget is shared.
    if (this.#turn === null && !this.#delivering) this.#deliver();
  }

  /** Delivers up to one slice of the outbox, then yields the loop until the next turn. */
  #deliver(): void {
    this.#turn = null;
    this.#delivering = true;
    try {
      this.#deliverSlice();
    } finally {
      // Scheduled even if a push threw: the rest of the room must not wait for the next push.
      this.#delivering = false;
      if (this.#outbox.length > 0 && this.#turn === null) this.#turn = setImmediate(() => this.#deliver());
    }
  }

  #deliverSlice(): void {
    let budget = this.#slice;
    while (budget > 0 && this.#outbox.length > 0) {
      const q = this.#outbox[0] as QueuedPush;
      while (budget > 0 && q.next < q.to.length) {
        // Counted before the push, so a throwing delivery is not retried for ever.
        const i = q.next++;
        budget--;
        this.#backlog--;
        const m = q.to[i] as Membership;
        const s = q.sessions[i] as Session;
        // Still the same membership through the same session: one who left (even to log in again,
        // with a fresh snapshot), or whose place a new login took, does not get what was meant for
        // the old one.
        if (m.session === s && this.members.get(s.userID) === m) s.push(q.body, q.json);
      }
      if (q.next === q.to.length) this.#outbox.shift();
    }
  }

  /**
   * The room as `userID` sees it at login: others only, and live streams not its own; the member list
   * only `withUsers` (see {@link Signaling.snapshotFor}).
   */
  snapshot(userID: string, withUsers = true): RoomSnapshot {
    return {
      roomID: this.roomID,
      roomSeq: this.roomSeq,
      ...(withUsers
        ? {
            users: [...this.members.values()].filter((m) => m.session.userID !== userID).map((m) => m.user),
          }
        : {}),
      streams: this.liveStreams()
        .filter((s) => s.userID !== userID)
        .map(wireStream),
      extraInfo: [...this.extraInfo.values()],
      onlineCount: this.members.size,
    };
  }
}

/**
 * A session's presence in one room: the link both sides hold. It carries what is per room rather than
 * per session: the token (each room login has its own, with its own expiry and privileges), the
 * `userUpdate` wish, and the token timers.
 */
export class Membership {
  /** Timer for `tokenWillExpire`. */
  willExpireTimer: LongTimer | null = null;
  /** Timer for the expiry kick. */
  expireTimer: LongTimer | null = null;
  readonly joinedAt = Date.now();

  constructor(
    readonly room: Room,
    public session: Session,
    public token: Token04Info,
    public userUpdate: boolean,
  ) {}

  /** The user as others see it. */
  get user(): WireUser {
    return { userID: this.session.userID, userName: this.session.userName };
  }

  /** Stops the token timers (leave, renew, replacement). */
  clearTimers(): void {
    this.willExpireTimer?.cancel();
    this.expireTimer?.cancel();
    this.willExpireTimer = null;
    this.expireTimer = null;
  }
}

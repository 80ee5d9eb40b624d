import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { PushBody, PushMessage, ServerMessage } from '@minirtc/protocol';
import type { Membership } from './membership.js';
import { frameWithSeq } from './push-encoding.js';

/** What a session needs from the socket it is attached to; implemented by {@link Connection}. */
export interface Transport {
  send(msg: ServerMessage): void;
  /** Sends a frame already serialized (a push encoded once for a whole room). */
  sendText?(text: string): void;
  close(code: number, reason: string): void;
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
  /** Unacknowledged pushes, oldest first. */
  #buffer: PushMessage[] = [];
  /** Highest seq no longer buffered (dropped for space or acknowledged): resume cannot reach below it. */
  #lostUpTo = 0;

  constructor(
    readonly appID: number,
    readonly userID: string,
    public userName: string,
    private readonly maxBuffered: number,
  ) {
    this.id = randomBytes(12).toString('base64url');
    this.resumeKey = randomBytes(24).toString('base64url');
  }

  /** `${appID}:${userID}`: the key of the one-session-per-user rule and of media ownership. */
  get key(): string {
    return `${this.appID}:${this.userID}`;
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
  push(body: PushBody, json?: string): PushMessage {
    if (this.ended) return { ...body, seq: 0 } as PushMessage;
    this.#seq += 1;
    const msg = { ...body, seq: this.#seq } as PushMessage;
    this.#buffer.push(msg);
    if (this.#buffer.length > this.maxBuffered) {
      // Bounded memory per session: the oldest push goes and resume from before it becomes impossible.
      const dropped = this.#buffer.shift();
      if (dropped) this.#lostUpTo = dropped.seq;
    }
    const t = this.transport;
    if (t && json !== undefined && t.sendText) t.sendText(frameWithSeq(json, msg.seq));
    else t?.send(msg);
    return msg;
  }

  /** The client has everything up to `lastSeq`: forget it. */
  ack(lastSeq: number): void {
    if (lastSeq > this.#seq) return;
    let i = 0;
    while (i < this.#buffer.length && (this.#buffer[i] as PushMessage).seq <= lastSeq) i++;
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
    return this.#buffer.filter((m) => m.seq > lastSeq);
  }

  /** Constant-time check of a resume key. */
  checkResumeKey(key: string): boolean {
    const a = Buffer.from(key);
    const b = Buffer.from(this.resumeKey);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

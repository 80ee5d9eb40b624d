import {
  CloseCode,
  ErrorCode,
  PROTOCOL_VERSION,
  isMiniRtcError,
  parseClientMessage,
  peekReqId,
} from '@minirtc/protocol';
import type { ClientMessage, ServerMessage } from '@minirtc/protocol';
import { WebSocket } from 'ws';
import type { RawData } from 'ws';
import { type Handler, type HandlerContext, type Outcome, handlers } from './handlers/index.js';
import { TokenBucket } from '../rate-limiter.js';
import type { Session, Transport } from '../core/model.js';

/** Per-connection limits (resolved from {@link ServerOptions}). */
export interface ConnectionLimits {
  heartbeatTimeoutMs: number;
  maxFrameBytes: number;
  /** Outbound bytes a socket may have queued before it is dropped as too slow. */
  maxSendBufferBytes: number;
  /** Sustained frames per second. */
  framesPerSecond: number;
  framesBurst: number;
  /** Bad or excess frames tolerated: a bucket of `abuseBurst` refilling at `abusePerSecond`. */
  abusePerSecond: number;
  abuseBurst: number;
  /** A token failure is answered no sooner than this after its frame arrived (equal timing). */
  tokenFailureReplyMs?: number;
}

/** The pre-login bounds of one connection: its deadline and the slot it holds until a session binds. */
export interface PreLogin {
  deadlineMs: number;
  /** Gives back the connection's unauthenticated slot (called once). */
  release(): void;
  /** Counts a refusal by reason (`ws_login_deadline`). */
  refused(reason: string): void;
}

/**
 * One WebSocket: reads frames, enforces the per-connection rate and the abuse meter, validates each
 * frame with `parseClientMessage`, dispatches it and answers with exactly one `res` per `reqId`.
 * Nothing a client sends can throw out of here: every failure becomes a reply, a log line or a close.
 */
export class Connection implements Transport {
  session: Session | null = null;
  preparedBroadcastID?: number;
  readonly remote: string;
  /** Source IP, for per-address budgets. */
  readonly address: string;
  #preLogin: PreLogin | null;
  #loginTimer: NodeJS.Timeout | null = null;
  #lastSeen = Date.now();
  #heartbeat: NodeJS.Timeout | null = null;
  readonly #frames: TokenBucket;
  readonly #abuse: TokenBucket;
  #closing = false;
  /** Requests waiting while an earlier one is being prepared (cluster only); null when none is. */
  #waiting: ClientMessage[] | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly ctx: HandlerContext,
    private readonly limits: ConnectionLimits,
    remote: string,
    private readonly onClosed: (c: Connection, code: number) => void,
    preLogin: PreLogin | null = null,
    address = remote,
  ) {
    this.remote = remote;
    this.address = address;
    this.#preLogin = preLogin;
    if (preLogin) {
      // A socket that never logs in is closed at the deadline whatever it sends (pings included):
      // otherwise idle sockets cost nothing to open and add up to the server's whole capacity.
      this.#loginTimer = setTimeout(() => {
        preLogin.refused('ws_login_deadline');
        this.ctx.log.info({ remote }, 'no login before the deadline');
        this.#shut(CloseCode.LOGIN_DEADLINE, 'login deadline');
      }, preLogin.deadlineMs);
      this.#loginTimer.unref();
    }
    this.#frames = new TokenBucket(limits.framesPerSecond, limits.framesBurst);
    this.#abuse = new TokenBucket(limits.abusePerSecond, limits.abuseBurst);
    ws.on('message', (data, isBinary) => this.#onFrame(data, isBinary));
    ws.on('close', (code) => this.#onClose(code));
    ws.on('error', (err) => this.ctx.log.debug({ remote, err }, 'socket error'));
    this.#armHeartbeat(limits.heartbeatTimeoutMs);
    this.send({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      serverTime: Date.now(),
      maxFrameBytes: limits.maxFrameBytes,
    });
  }

  /** Sends a frame if the socket is open; drops a consumer whose queue passed the bound. */
  send(msg: ServerMessage): void {
    if (this.ws.readyState === WebSocket.OPEN) this.sendText(JSON.stringify(msg));
  }

  /** Sends a serialized frame (a push encoded once per room), with the same slow-consumer bound. */
  sendText(text: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(text);
    if (this.ws.bufferedAmount > this.limits.maxSendBufferBytes) {
      // A client that stops reading must not make the server hold an unbounded queue for it: drop the
      // socket as a network loss would; its session keeps a bounded buffer and can resume.
      this.ctx.log.warn(
        { remote: this.remote, userID: this.session?.userID, queued: this.ws.bufferedAmount },
        'slow consumer dropped',
      );
      this.#closing = true;
      this.ws.terminate();
    }
  }

  /**
   * Closes on behalf of signaling (kick, replacement, shutdown): the session has been dealt with
   * already, so this connection lets go of it and its close must not start a grace window.
   */
  close(code: number, reason: string): void {
    this.session = null;
    this.#shut(code, reason);
  }

  /** Drops the socket with no close handshake, as a network loss would (tests, operator tooling). */
  terminate(): void {
    this.ws.terminate();
  }

  #shut(code: number, reason: string): void {
    if (this.#closing) return;
    this.#closing = true;
    this.ws.close(code, reason);
    // A peer that never answers the close handshake must not hold the socket forever.
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }

  #armHeartbeat(delay: number): void {
    this.#heartbeat = setTimeout(() => {
      const idle = Date.now() - this.#lastSeen;
      if (idle >= this.limits.heartbeatTimeoutMs) {
        this.ctx.log.info({ remote: this.remote, userID: this.session?.userID, idle }, 'heartbeat timeout');
        this.#shut(CloseCode.HEARTBEAT, 'heartbeat timeout');
      } else this.#armHeartbeat(this.limits.heartbeatTimeoutMs - idle);
    }, delay);
    this.#heartbeat.unref();
  }

  /** The connection got a session: it no longer counts as unauthenticated. */
  #authenticated(): void {
    const p = this.#preLogin;
    if (!p) return;
    this.#preLogin = null;
    if (this.#loginTimer) clearTimeout(this.#loginTimer);
    p.release();
  }

  #onClose(code: number): void {
    if (this.#heartbeat) clearTimeout(this.#heartbeat);
    if (this.#loginTimer) clearTimeout(this.#loginTimer);
    this.#preLogin?.release();
    this.#preLogin = null;
    this.#closing = true;
    const s = this.session;
    this.session = null;
    // Only a session still attached here goes into grace: one that was kicked, replaced or resumed
    // elsewhere no longer names this connection as its transport.
    if (s && s.transport === this) this.ctx.core.detach(s);
    this.onClosed(this, code);
  }

  /** Counts a bad or excess frame; a connection that keeps doing it is closed (4003). */
  #violation(): void {
    if (!this.#abuse.take()) {
      this.ctx.log.warn({ remote: this.remote, userID: this.session?.userID }, 'abusive connection closed');
      this.#shut(CloseCode.ABUSE, 'too many bad or excess frames');
    }
  }

  #fail(reqId: number | undefined, code: number, message: string): void {
    if (reqId !== undefined) this.send({ type: 'res', reqId, code, message });
    else this.send({ type: 'error', code, message });
  }

  #onFrame(data: RawData, isBinary: boolean): void {
    if (this.#closing) return;
    this.#lastSeen = Date.now();
    const text = isBinary ? null : rawToString(data);
    if (!this.#frames.take()) {
      this.#violation();
      this.#fail(text === null ? undefined : peekReqId(text), ErrorCode.RATE_LIMITED, 'too many frames');
      return;
    }
    if (text === null) {
      this.#violation();
      this.#fail(undefined, ErrorCode.INVALID_PARAM, 'binary frames are not accepted');
      return;
    }
    let msg: ClientMessage;
    try {
      msg = parseClientMessage(text);
    } catch (e) {
      this.#violation();
      const code = isMiniRtcError(e) ? e.code : ErrorCode.INVALID_PARAM;
      this.#fail(peekReqId(text), code, e instanceof Error ? e.message : 'bad frame');
      return;
    }
    this.#admit(msg);
  }

  /**
   * Runs a request now, or after its preparation (cluster state to fetch); requests behind a
   * preparing one wait, in order, bounded by the frame rate and {@link MAX_WAITING}.
   */
  #admit(msg: ClientMessage): void {
    if (this.#waiting) {
      if (this.#waiting.length >= MAX_WAITING) {
        this.#violation();
        this.#fail(msg.reqId, ErrorCode.RATE_LIMITED, 'too many requests in flight');
        return;
      }
      this.#waiting.push(msg);
      return;
    }
    let ready: Promise<void> | null = null;
    try {
      ready = this.ctx.prepare?.(msg, this) ?? null;
    } catch (e) {
      this.ctx.log.warn({ type: msg.type, err: e }, 'prepare failed');
    }
    if (!ready) {
      this.#dispatch(msg);
      return;
    }
    this.#waiting = [];
    ready
      .then(
        () => null,
        (e: unknown) => e,
      )
      .then((err) => {
        const rest = this.#waiting ?? [];
        this.#waiting = null;
        if (this.#closing) return;
        if (err === null) this.#dispatch(msg);
        else if (isMiniRtcError(err)) this.#fail(msg.reqId, err.code, err.message);
        else {
          this.ctx.log.warn({ type: msg.type, err }, 'prepare failed');
          this.#fail(msg.reqId, ErrorCode.INTERNAL_ERROR, 'internal error');
        }
        for (let i = 0; i < rest.length; i++) {
          if (this.#waiting) {
            // A later request needs preparing too: the rest wait behind it.
            (this.#waiting as ClientMessage[]).push(...rest.slice(i));
            return;
          }
          this.#admit(rest[i] as ClientMessage);
        }
      });
  }

  #dispatch(msg: ClientMessage): void {
    const started = performance.now();
    const before = this.session;
    const { code, reason } = this.#run(msg, started);
    if (this.session && this.#preLogin) this.#authenticated();
    if (msg.type === 'ping') return;
    // After the handler a login has just bound the session; a logout may have just unbound it.
    const s = this.session ?? before;
    const m = msg as { appID?: unknown; roomID?: unknown; streamID?: unknown };
    this.ctx.emit('request', {
      appID: s?.appID ?? (typeof m.appID === 'number' ? m.appID : 0),
      // A refused login has no session yet: name the user it tried to be (the timeline shows why it failed).
      userID: s?.userID ?? (msg.type === 'login' ? msg.user.userID : ''),
      type: msg.type,
      ...(typeof m.roomID === 'string' ? { roomID: m.roomID } : {}),
      ...(typeof m.streamID === 'string' ? { streamID: m.streamID } : {}),
      code,
      ms: performance.now() - started,
      source: this.address,
      ...(reason !== undefined ? { reason } : {}),
    });
  }

  /** Runs the handler and answers; returns the code of the reply (and a refusal's hidden reason). */
  #run(msg: ClientMessage, started: number): { code: number; reason?: string } {
    let outcome: Outcome | undefined;
    try {
      const handler = handlers[msg.type] as Handler<typeof msg.type>;
      outcome = handler(this.ctx, this, msg as never);
    } catch (e) {
      if (isMiniRtcError(e)) {
        const detail = e.detail ?? {};
        const reason = typeof detail.reason === 'string' ? detail.reason : undefined;
        this.ctx.log.debug(
          { type: msg.type, code: e.code, userID: this.session?.userID, remote: this.remote, reason },
          'request refused',
        );
        this.#refuse(msg.reqId, e.code, e.message, started, detail.closeAfterReply === true);
        return reason !== undefined ? { code: e.code, reason } : { code: e.code };
      }
      this.#internal(msg, e);
      return { code: ErrorCode.INTERNAL_ERROR };
    }
    if (msg.reqId !== undefined) {
      this.send({
        type: 'res',
        reqId: msg.reqId,
        code: 0,
        ...(outcome?.data !== undefined ? { data: outcome.data } : {}),
      });
    }
    try {
      outcome?.after?.();
    } catch (e) {
      this.#internal(msg, e, false);
    }
    return { code: 0 };
  }

  /**
   * Sends a refusal. A token failure goes out at a fixed delay after its frame arrived, whatever
   * failed inside (padding, JSON, identity), so its timing says nothing either; an over-budget
   * refusal closes the connection after the reply.
   */
  #refuse(reqId: number | undefined, code: number, message: string, started: number, close: boolean): void {
    const answer = (): void => {
      this.#fail(reqId, code, message);
      if (close) this.#shut(CloseCode.ABUSE, 'too many failed logins');
    };
    const floor = code === ErrorCode.TOKEN_MALFORMED ? (this.limits.tokenFailureReplyMs ?? 0) : 0;
    const wait = floor - (performance.now() - started);
    if (wait <= 0) {
      answer();
      return;
    }
    // Later frames are still read meanwhile; only this reply waits.
    setTimeout(() => {
      if (!this.#closing) answer();
    }, wait).unref();
  }

  #internal(msg: ClientMessage, e: unknown, reply = true): void {
    const err = e instanceof Error ? e : new Error(String(e));
    this.ctx.log.error({ type: msg.type, userID: this.session?.userID, err }, 'handler failed');
    if (this.ctx.emitError) this.ctx.emitError(err);
    if (reply) this.#fail(msg.reqId, ErrorCode.INTERNAL_ERROR, 'internal error');
  }
}

/** Requests one connection may have waiting behind a request being prepared. */
const MAX_WAITING = 32;

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

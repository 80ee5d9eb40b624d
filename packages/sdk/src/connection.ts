import { CloseCode, ErrorCode, MiniRtcError, PUSH_TYPES, TypedEmitter } from '@minirtc/protocol/lite';
import type { PushMessage } from '@minirtc/protocol/lite';
import { serverForAttempt } from './backoff.js';
import type { BackoffOptions } from './backoff.js';
import type { Logger } from './logger.js';
import { PendingRequests } from './pending-requests.js';
import type { Reply } from './pending-requests.js';
import type { Platform, PlatformSocket, TimerHandle } from './platform.js';
import { DefaultReconnectPolicy } from './reconnect-policy.js';
import type { ReconnectPolicy } from './reconnect-policy.js';

/** Timings and servers of a {@link Connection}. */
export interface ConnectionOptions {
  servers: string[];
  platform: Platform;
  log: Logger;
  /** One connect attempt, ms. */
  connectTimeoutMs?: number;
  /** Reply to one request, ms. */
  requestTimeoutMs?: number;
  /** Ping interval; default: the server's (login reply), else 10 s. */
  heartbeatMs?: number;
  /** No frame at all for this long → the link is dead; default 3 × heartbeat. */
  heartbeatTimeoutMs?: number;
  /** How long to keep retrying after a drop; default: server's resume grace + 10 s. */
  reconnectWindowMs?: number;
  /** Delays of the default reconnect policy (ignored when `reconnectPolicy` is given). */
  backoff?: Partial<BackoffOptions>;
  /** When to retry and when to give up; default: {@link DefaultReconnectPolicy} with `backoff`. */
  reconnectPolicy?: ReconnectPolicy;
}

/** What the connection tells the engine. */
export interface ConnectionEvents {
  /** Every state change, after it happened (see {@link ConnectionState}). */
  stateChanged: (state: ConnectionState, previous: ConnectionState) => void;
  /** A server push, already de-duplicated by `seq` and in order. */
  push: (msg: PushMessage) => void;
  /** The link broke while a session was alive; retrying has begun. */
  lost: (code: number) => void;
  /** The session was resumed: nothing was lost. */
  resumed: () => void;
  /** Reconnected, but the server no longer knows the session: the engine must log in to each room again, then call {@link Connection.reloginDone}. */
  sessionExpired: () => void;
  /** The retry window ended without success. */
  failed: (code: number) => void;
  /** The server closed the link deliberately (kicked, logged out): no retry. */
  closedByServer: (closeCode: number, reason: string) => void;
}

/** Session facts from the login reply. */
export interface SessionInfo {
  sessionID: string;
  resumeKey: string;
  seq: number;
  heartbeatMs?: number;
  resumeGraceMs?: number;
}

/**
 * Connection states; {@link Connection} changes them only in `setState`.
 *
 * ```
 * idle ──open()──▶ connecting ──socket open──▶ open ◀──────────────────────┐
 *   ▲                  │ window over                │ socket lost          │ resume accepted /
 *   │◀─────────────────┘                            ▼                      │ reloginDone()
 *   │◀──window over── reconnecting ◀──lost── resuming ──refused──▶ relogging
 *   │                      └──socket open──▶ resuming (had a session) or relogging (had none)
 *   └── close(), kicked, logged out: from any state
 * ```
 * - `open`: requests flow. `resuming`: a new socket is up and the `resume` request is out.
 * - `relogging`: the server forgot the session; the engine logs in to each room again.
 * Only the engine's own login/resume traffic passes while `resuming` or `relogging`.
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'resuming' | 'relogging' | 'reconnecting';

const PUSH_TYPE_SET: ReadonlySet<string> = new Set(PUSH_TYPES);

/**
 * One WebSocket per engine and the session on it: connect across the server list, request/response
 * by `reqId`, heartbeat with client-side timeout, seq tracking, and reconnect with backoff + jitter
 * that resumes the session (or reports that the engine must log in again). It knows nothing of rooms.
 */
export class Connection extends TypedEmitter<ConnectionEvents> {
  private state: ConnectionState = 'idle';
  private socket: PlatformSocket | undefined;
  /** Bumped per socket so late events of an old socket are ignored. */
  private socketGen = 0;
  private readonly pending: PendingRequests;
  private readyWaiters: { resolve: () => void; reject: (e: MiniRtcError) => void }[] = [];
  private session: SessionInfo | undefined;
  /** Highest push seq handled; pushes at or below it are duplicates (a resume may replay). */
  lastSeq = 0;
  private lastRx = 0;
  private heartbeatTimer: TimerHandle | undefined;
  private retryTimer: TimerHandle | undefined;
  private attempt = 0;
  /** When the current connect/reconnect phase began, and its time budget. */
  private phaseStart = 0;
  private phaseWindowMs = 0;
  private serverHeartbeatMs = 10_000;
  private serverGraceMs = 30_000;
  private readonly policy: ReconnectPolicy;
  private unsubscribeNetwork: (() => void) | undefined;

  constructor(private readonly opts: ConnectionOptions) {
    super();
    if (opts.servers.length === 0) throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'no server URL');
    this.policy = opts.reconnectPolicy ?? new DefaultReconnectPolicy(opts.backoff, opts.platform.random);
    this.pending = new PendingRequests(opts.platform);
  }

  /** Current state. */
  get connectionState(): ConnectionState {
    return this.state;
  }

  /** True when requests can be sent now. */
  get ready(): boolean {
    return this.state === 'open';
  }

  /** True while a socket is up (`open`, `resuming`, `relogging`): the engine's own traffic can pass. */
  private get linkUp(): boolean {
    return this.state === 'open' || this.state === 'resuming' || this.state === 'relogging';
  }

  /** The current session, if any. */
  get sessionInfo(): SessionInfo | undefined {
    return this.session;
  }

  private get heartbeatMs(): number {
    return this.opts.heartbeatMs ?? this.serverHeartbeatMs;
  }

  private get heartbeatTimeoutMs(): number {
    return this.opts.heartbeatTimeoutMs ?? this.heartbeatMs * 3;
  }

  /** The retry window after a drop. */
  get reconnectWindowMs(): number {
    return this.opts.reconnectWindowMs ?? this.serverGraceMs + 10_000;
  }

  /**
   * Opens the socket if needed, trying the servers in order with backoff until `timeoutMs` passes.
   * While reconnecting, waits for the link to be ready instead.
   */
  async open(timeoutMs: number): Promise<void> {
    if (this.state !== 'idle') return this.waitReady(timeoutMs);
    this.setState('connecting');
    this.watchNetwork();
    const p = this.waitReady(timeoutMs);
    this.startPhase(timeoutMs);
    this.scheduleAttempt();
    return p;
  }

  /** Records a new session (first login reply on this link) and starts the heartbeat. */
  setSession(info: SessionInfo): void {
    const isNew = this.session?.sessionID !== info.sessionID;
    this.session = info;
    if (info.heartbeatMs && info.heartbeatMs > 0) this.serverHeartbeatMs = info.heartbeatMs;
    if (info.resumeGraceMs !== undefined && info.resumeGraceMs >= 0) this.serverGraceMs = info.resumeGraceMs;
    // A new session numbers its pushes afresh; within one session the reply's seq never moves back.
    if (isNew) this.lastSeq = info.seq;
    else this.lastSeq = Math.max(this.lastSeq, info.seq);
    this.startHeartbeat();
  }

  /** The engine finished logging in again after {@link ConnectionEvents.sessionExpired}. */
  reloginDone(): void {
    if (this.state !== 'relogging') return;
    this.setState('open');
    this.flushReady();
  }

  /**
   * Sends a request and resolves with the reply's `data` (rejects with its code). Waits while the
   * link is reconnecting, unless `immediate` (the engine's own login/resume traffic). `onData` runs
   * synchronously when the reply arrives, before any later frame is handled: a login must install its
   * snapshot and seq before the pushes that follow it on the wire are applied.
   */
  async request<T = unknown>(
    msg: { type: string; [k: string]: unknown },
    opts: { immediate?: boolean; timeoutMs?: number; onData?: (data: T) => void } = {},
  ): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? this.opts.requestTimeoutMs ?? 10_000;
    const start = this.opts.platform.now();
    if (!opts.immediate && !this.ready) await this.waitReady(timeoutMs);
    if (!this.linkUp || !this.socket) throw new MiniRtcError(ErrorCode.NETWORK_BROKEN);
    const left = Math.max(1, timeoutMs - (this.opts.platform.now() - start));
    const { reqId, reply } = this.pending.add<T>(msg.type, left, opts.onData);
    this.rawSend({ ...msg, reqId });
    return reply;
  }

  /** Fire-and-forget message (no `reqId`, no reply): dropped if the link is down. */
  notify(msg: { type: string; [k: string]: unknown }): void {
    if (this.linkUp) this.rawSend(msg);
  }

  /** Closes the link on purpose (logged out of every room): no retry; pending requests fail. */
  close(): void {
    this.teardown(new MiniRtcError(ErrorCode.SOCKET_CLOSED), new MiniRtcError(ErrorCode.NOT_LOGGED_IN));
  }

  // ------------------------------------------------------------------ internals

  /** The one place the state changes: logs the transition and tells listeners. */
  private setState(next: ConnectionState): void {
    const prev = this.state;
    if (prev === next) return;
    this.state = next;
    this.opts.log.info('conn', `${prev} → ${next}`);
    this.emit('stateChanged', next, prev);
  }

  /**
   * The one teardown (logout, kicked, retry window over): back to `idle`, the session forgotten,
   * timers and the network watch stopped, the socket closed, and everyone waiting told why.
   */
  private teardown(pendingErr: MiniRtcError, waiterErr: MiniRtcError): void {
    this.session = undefined;
    this.lastSeq = 0;
    this.setState('idle');
    this.stopTimers();
    this.unsubscribeNetwork?.();
    this.unsubscribeNetwork = undefined;
    const s = this.socket;
    this.detachSocket();
    try {
      s?.close(CloseCode.NORMAL, 'logout');
    } catch {
      // already closed
    }
    this.pending.failAll(pendingErr);
    this.failWaiters(waiterErr);
  }

  /** Starts a connect or reconnect phase with `windowMs` of budget: attempts count from 0 again. */
  private startPhase(windowMs: number): void {
    this.attempt = 0;
    this.phaseStart = this.opts.platform.now();
    this.phaseWindowMs = windowMs;
  }

  private waitReady(timeoutMs: number): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.state === 'idle') return Promise.reject(new MiniRtcError(ErrorCode.NOT_LOGGED_IN));
    return new Promise<void>((resolve, reject) => {
      const w = {
        resolve: () => {
          this.opts.platform.clearTimeout(timer);
          resolve();
        },
        reject: (e: MiniRtcError) => {
          this.opts.platform.clearTimeout(timer);
          reject(e);
        },
      };
      const timer = this.opts.platform.setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((x) => x !== w);
        reject(new MiniRtcError(ErrorCode.NETWORK_TIMEOUT, 'network not ready'));
      }, timeoutMs);
      this.readyWaiters.push(w);
    });
  }

  private flushReady(): void {
    const ws = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of ws) w.resolve();
  }

  private failWaiters(err: MiniRtcError): void {
    const ws = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of ws) w.reject(err);
  }

  private watchNetwork(): void {
    if (this.unsubscribeNetwork) return;
    this.unsubscribeNetwork = this.opts.platform.onNetworkChange((online) => {
      // Back online while waiting out a backoff delay: try now instead of sleeping.
      if (online && this.retrying && this.retryTimer) {
        this.opts.platform.clearTimeout(this.retryTimer);
        this.retryTimer = undefined;
        this.attemptNow();
      }
      // The device says the network is gone: a socket may linger for many seconds before it notices,
      // so report the loss now (RECONNECTING) instead of waiting for the heartbeat timeout.
      if (!online && this.linkUp && this.session) this.linkLost(ErrorCode.NETWORK_BROKEN, 'network offline');
    });
  }

  private rawSend(msg: unknown): void {
    try {
      this.socket?.send(JSON.stringify(msg));
    } catch (err) {
      this.opts.log.warn('conn', 'send failed', String(err));
    }
  }

  private stopTimers(): void {
    if (this.heartbeatTimer) this.opts.platform.clearTimeout(this.heartbeatTimer);
    if (this.retryTimer) this.opts.platform.clearTimeout(this.retryTimer);
    this.heartbeatTimer = undefined;
    this.retryTimer = undefined;
  }

  private startHeartbeat(): void {
    if (this.heartbeatTimer) this.opts.platform.clearTimeout(this.heartbeatTimer);
    if (!this.linkUp || !this.session) return;
    // Tick at least twice per timeout so a dead link is noticed within ~1.5 × the timeout.
    const tick = Math.max(10, Math.min(this.heartbeatMs, Math.floor(this.heartbeatTimeoutMs / 2)));
    let sinceLastPing = 0;
    const run = () => {
      this.heartbeatTimer = undefined;
      if (!this.linkUp) return;
      const now = this.opts.platform.now();
      if (now - this.lastRx > this.heartbeatTimeoutMs) {
        this.opts.log.warn('conn', 'heartbeat timeout', { silentMs: now - this.lastRx });
        this.linkLost(ErrorCode.HEARTBEAT_TIMEOUT_CLIENT, 'heartbeat timeout');
        return;
      }
      sinceLastPing += tick;
      if (sinceLastPing >= this.heartbeatMs) {
        sinceLastPing = 0;
        this.rawSend({ type: 'ping', lastSeq: this.lastSeq });
      }
      this.heartbeatTimer = this.opts.platform.setTimeout(run, tick);
    };
    this.heartbeatTimer = this.opts.platform.setTimeout(run, tick);
  }

  /** True while looking for a socket (`connecting`, `reconnecting`). */
  private get retrying(): boolean {
    return this.state === 'connecting' || this.state === 'reconnecting';
  }

  /** Asks the reconnect policy when to try next; gives up when it says `null`. */
  private scheduleAttempt(): void {
    const delay = this.policy.nextRetryDelayInMs({
      retryCount: this.attempt,
      elapsedMs: this.opts.platform.now() - this.phaseStart,
      windowMs: this.phaseWindowMs,
      reconnecting: this.state === 'reconnecting',
    });
    if (delay === null) {
      this.giveUp();
      return;
    }
    this.retryTimer = this.opts.platform.setTimeout(() => {
      this.retryTimer = undefined;
      this.attemptNow();
    }, delay);
  }

  private giveUp(): void {
    const wasReconnecting = this.state === 'reconnecting';
    const err = wasReconnecting
      ? new MiniRtcError(ErrorCode.RELOGIN_FAILED)
      : new MiniRtcError(ErrorCode.NETWORK_BROKEN, 'could not connect to any server');
    this.teardown(err, err);
    if (wasReconnecting) this.emit('failed', ErrorCode.RELOGIN_FAILED);
  }

  private attemptNow(): void {
    if (!this.retrying) return;
    const url = serverForAttempt(this.opts.servers, this.attempt);
    this.attempt++;
    const gen = ++this.socketGen;
    this.opts.log.info('conn', 'connecting', { url, attempt: this.attempt });
    let opened = false;
    const socket = this.opts.platform.connect(url);
    this.socket = socket;
    const connectTimer = this.opts.platform.setTimeout(() => {
      if (gen !== this.socketGen || opened) return;
      this.opts.log.warn('conn', 'connect timeout', { url });
      this.detachSocket();
      try {
        socket.close();
      } catch {
        // ignore
      }
      this.scheduleAttempt();
    }, this.opts.connectTimeoutMs ?? 5000);
    socket.onOpen(() => {
      if (gen !== this.socketGen) return;
      opened = true;
      this.opts.platform.clearTimeout(connectTimer);
      this.lastRx = this.opts.platform.now();
      this.onSocketOpen();
    });
    socket.onMessage((data) => {
      if (gen !== this.socketGen) return;
      this.lastRx = this.opts.platform.now();
      this.onFrame(data);
    });
    socket.onError((err) => {
      if (gen !== this.socketGen) return;
      this.opts.log.debug('conn', 'socket error', String((err as { message?: unknown })?.message ?? err));
    });
    socket.onClose((code, reason) => {
      if (gen !== this.socketGen) return;
      this.opts.platform.clearTimeout(connectTimer);
      this.detachSocket();
      if (!opened) {
        this.scheduleAttempt();
        return;
      }
      this.onSocketClose(code, reason);
    });
  }

  private detachSocket(): void {
    this.socketGen++;
    this.socket = undefined;
  }

  private onSocketOpen(): void {
    if (this.state === 'connecting') {
      this.setState('open');
      this.flushReady();
      return;
    }
    // Reconnecting: resume the session if we have one, else the engine must log in afresh.
    const s = this.session;
    if (!s) {
      this.setState('relogging');
      this.emit('sessionExpired');
      return;
    }
    this.setState('resuming');
    const gen = this.socketGen;
    this.request<unknown>(
      { type: 'resume', sessionID: s.sessionID, resumeKey: s.resumeKey, lastSeq: this.lastSeq },
      { immediate: true },
    ).then(
      () => {
        if (gen !== this.socketGen) return;
        this.attempt = 0;
        this.setState('open');
        this.startHeartbeat();
        this.emit('resumed');
        this.flushReady();
      },
      (err: MiniRtcError) => {
        if (gen !== this.socketGen) return;
        if (err.code === ErrorCode.NETWORK_TIMEOUT || err.code === ErrorCode.SOCKET_CLOSED) {
          this.linkLost(err.code, 'resume failed');
          return;
        }
        this.opts.log.info('conn', 'resume refused, logging in again', { code: err.code });
        this.session = undefined;
        this.setState('relogging');
        this.emit('sessionExpired');
      },
    );
  }

  /** Treats the current socket as dead (close event or heartbeat timeout). */
  private linkLost(code: number, reason: string): void {
    const s = this.socket;
    this.detachSocket();
    try {
      s?.close(4000, reason);
    } catch {
      // ignore
    }
    this.onSocketClose(1006, reason, code);
  }

  private onSocketClose(closeCode: number, reason: string, errCode: number = ErrorCode.NETWORK_BROKEN): void {
    if (this.heartbeatTimer) this.opts.platform.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    this.pending.failAll(new MiniRtcError(ErrorCode.SOCKET_CLOSED, `socket closed (${closeCode})`));
    if (closeCode === CloseCode.KICKED || closeCode === CloseCode.LOGGED_OUT) {
      this.opts.log.info('conn', 'closed by server', { closeCode, reason });
      const notLoggedIn = new MiniRtcError(ErrorCode.NOT_LOGGED_IN);
      this.teardown(notLoggedIn, notLoggedIn);
      this.emit('closedByServer', closeCode, reason);
      return;
    }
    if (this.state === 'idle') return;
    this.opts.log.warn('conn', 'link lost', { closeCode, reason });
    if (this.linkUp) {
      this.setState('reconnecting');
      this.startPhase(this.reconnectWindowMs);
      this.emit('lost', errCode);
    }
    if (this.retrying) this.scheduleAttempt();
  }

  private onFrame(text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.opts.log.warn('conn', 'non-JSON frame dropped');
      return;
    }
    if (typeof msg !== 'object' || msg === null) return;
    const m = msg as { type?: unknown; reqId?: unknown; seq?: unknown; code?: unknown; message?: unknown };
    if (m.type === 'res' || (m.type === 'error' && typeof m.reqId === 'number')) {
      if (typeof m.reqId === 'number') this.pending.settle(m as Reply);
      return;
    }
    if (typeof m.type !== 'string' || !PUSH_TYPE_SET.has(m.type)) {
      if (m.type === 'error') this.opts.log.warn('conn', 'server error frame', msg);
      return; // hello, pong, or something newer than this SDK
    }
    if (typeof m.seq !== 'number' || !Number.isInteger(m.seq)) return;
    if (m.seq <= this.lastSeq) return; // duplicate (replayed by a resume)
    if (m.seq > this.lastSeq + 1 && this.lastSeq > 0)
      this.opts.log.warn('conn', 'push seq gap', { from: this.lastSeq, to: m.seq });
    this.lastSeq = m.seq;
    this.emit('push', msg as PushMessage);
  }
}

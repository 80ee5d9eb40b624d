import { type Server, type Socket, createServer } from 'node:net';
import { DEFAULT_READER_LIMITS } from '../protocol/chunk-reader.js';
import { RtmpError, RtmpErrorCode } from '../errors.js';
import { parseProxyHeader, trustedProxyMatcher } from './proxy-protocol.js';
import { READ_BUFFER_SIZE, adoptWithReadBuffer } from './read-buffer.js';
import { RtmpGuard, type RtmpGuardOptions } from './rtmp-guard.js';
import type { PlayerSink } from '../hub/stream-info.js';
import { RtmpSession, type RtmpSessionOptions } from '../protocol/rtmp-session.js';
import { TypedEmitter, throwListenerError } from '@minirtc/protocol/emitter';

/** A structured logger (pino-compatible subset). */
export interface Logger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
  error(o: object, msg?: string): void;
}

/** A logger that drops everything. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Options of the TCP adapter. */
export interface RtmpServerOptions {
  /** Close a connection that has not finished the handshake and `connect` in time (default 10000). */
  handshakeTimeoutMs?: number;
  /** Close a connection with no traffic either way for this long (default 60000). */
  idleTimeoutMs?: number;
  /** Most simultaneous connections (default 10000). */
  maxConnections?: number;
  /** Limits before authorization (deadline, unauthorized caps, buffers, slow peers). */
  guard?: RtmpGuardOptions;
  /**
   * Load balancers (IPs/CIDRs) whose connections start with a PROXY protocol v1/v2 header naming the
   * real client: its address is then the one the per-address limits and the authorizer see. A
   * connection from anywhere else is taken as it is (a PROXY header from it fails the handshake).
   */
  trustedProxies?: readonly string[];
  session?: RtmpSessionOptions;
  logger?: Logger;
  /**
   * Read every socket into one shared buffer (Node's `onread`) instead of a new buffer per read;
   * default true. False restores Node's ordinary reads (kept for comparison in benchmarks).
   */
  sharedReadBuffer?: boolean;
}

/** Events of one {@link RtmpConnection}. */
export interface RtmpConnectionEvents {
  /** The socket is gone; `error` says why when it was not a clean close. */
  close: (error: Error | null) => void;
  /** A bug of ours surfaced while serving this connection (the connection was closed). */
  internalError: (error: Error) => void;
}

let nextId = 1;

/** Default of {@link RtmpServerOptions.idleTimeoutMs}. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/**
 * One TCP connection: pipes socket bytes into an {@link RtmpSession} and its output back, and
 * enforces the timeouts the sans-I/O session cannot. Any failure closes this socket only.
 */
export class RtmpConnection extends TypedEmitter<RtmpConnectionEvents> {
  /** A listener's bug is thrown from `emit` (after every listener ran): the caller's recovery closes only the connection that triggered it. */
  override onListenerError = throwListenerError;

  /** Unique connection id (also the session id given to the authorizer). */
  readonly id = `rtmp-${nextId++}`;
  readonly session: RtmpSession;
  readonly remoteAddress: string;
  private closed = false;
  private closeError: Error | null = null;
  private handshakeTimer: ReturnType<typeof setTimeout> | null;
  private authTimer: ReturnType<typeof setTimeout> | null = null;
  private authorized = false;
  /** When the peer last completed a message (or connected). */
  private lastMessageAt = Date.now();
  private lastCompleted = 0;
  private readonly fullLimits: number[];
  /** Idle limit in ms (0: none); see {@link setIdleTimeout}. */
  private idleMs: number;
  /** Bytes read plus bytes whose writes completed, at the last sweep that saw them change. */
  private lastProgress = 0;
  /** When {@link lastProgress} last changed (or the connection started). */
  private lastProgressAt = Date.now();

  constructor(
    readonly socket: Socket,
    opts: RtmpServerOptions,
    private readonly logger: Logger,
    private readonly guard: RtmpGuard = new RtmpGuard(opts.guard),
    remoteAddress: string = socket.remoteAddress ?? '',
  ) {
    super();
    this.remoteAddress = remoteAddress;
    this.session = new RtmpSession(opts.session);
    // Until a publish or play is authorized the peer is anonymous: a small buffer, counted against
    // the unauthorized connections' shared budget, and a deadline.
    const limits = { ...DEFAULT_READER_LIMITS, ...opts.session?.readerLimits };
    this.fullLimits = [limits.maxPendingBytes, limits.maxMessageSize];
    const small = Math.min(guard.preAuthMaxPendingBytes, limits.maxPendingBytes);
    this.session.input.setLimits({
      maxPendingBytes: small,
      maxMessageSize: Math.min(small, limits.maxMessageSize),
    });
    this.session.input.setBudget(guard.preAuthBudget);
    this.authTimer = setTimeout(() => {
      guard.refused('rtmp_auth_deadline');
      this.fail(new RtmpError(RtmpErrorCode.TIMEOUT, 'no authorized publish/play before the deadline'));
    }, guard.authDeadlineMs);
    this.authTimer.unref();
    socket.setNoDelay(true);
    // Not `socket.setTimeout`: Node refreshes that timer on every read and write, ≈ 6–8 % of the
    // gateway's CPU on many small calls (BENCHMARKS.md); the server's sweep checks progress instead.
    this.idleMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.handshakeTimer = setTimeout(() => {
      this.fail(new RtmpError(RtmpErrorCode.TIMEOUT, 'handshake/connect timeout'));
    }, opts.handshakeTimeoutMs ?? 10_000);
    this.session.on('send', (b) => {
      if (!socket.destroyed) socket.write(b);
    });
    this.session.on('connect', () => this.clearHandshakeTimer());
    this.session.on('end', (err) => {
      if (err?.code === RtmpErrorCode.MESSAGE_TOO_LARGE)
        guard.refused(this.authorized ? 'rtmp_pending_bytes' : 'rtmp_preauth_buffer');
      if (err) this.logger.info({ id: this.id, code: err.code, err: err.message }, 'rtmp session ended');
      this.closeError = err;
      // Let the final onStatus reach the peer, then close; destroy if it does not go away.
      socket.end();
      setTimeout(() => socket.destroy(), 2000).unref();
    });
    socket.on('error', (e) => {
      this.closeError ??= e;
    });
    socket.on('close', () => {
      this.clearHandshakeTimer();
      if (this.authTimer) clearTimeout(this.authTimer);
      if (!this.authorized) guard.release(this.remoteAddress);
      this.session.input.release();
      this.closed = true;
      this.session.end();
      this.emit('close', this.closeError);
    });
  }

  /**
   * Bytes read from the socket. The server calls it for every read; `data` may be a view of a shared
   * read buffer, so nothing here keeps it past the call (the session copies what it holds).
   */
  feed(data: Buffer): void {
    if (this.closed) return;
    try {
      this.session.feed(data);
      const done = this.session.input.messagesCompleted;
      if (done !== this.lastCompleted) {
        this.lastCompleted = done;
        this.lastMessageAt = Date.now();
      }
    } catch (e) {
      // Not an RtmpError: a bug of ours. Log it loudly but only this connection pays.
      const err = e instanceof Error ? e : new Error(String(e));
      this.logger.error({ id: this.id, err: err.stack }, 'rtmp internal error');
      this.fail(err);
      this.emit('internalError', err);
    }
  }

  /** True once the socket has closed. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** True once a publish or play of this connection was authorized. */
  get isAuthorized(): boolean {
    return this.authorized;
  }

  /**
   * A publish or play was authorized: the connection leaves the unauthorized pool (its slot is
   * given back, the deadline cleared) and gets the full buffer limits and the general budget.
   */
  markAuthorized(): void {
    if (this.authorized || this.closed) return;
    this.authorized = true;
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = null;
    this.guard.release(this.remoteAddress);
    const [maxPendingBytes, maxMessageSize] = this.fullLimits as [number, number];
    this.session.input.setLimits({ maxPendingBytes, maxMessageSize });
    this.session.input.setBudget(this.guard.budget);
  }

  /**
   * Sets how long the connection may go without traffic either way before it is closed (0: never).
   * A publishing connection gets a shorter limit than the general one: silence there means a dead
   * network path. Enforced by the server's sweep, so with up to one sweep period's delay.
   */
  setIdleTimeout(ms: number): void {
    this.idleMs = ms;
  }

  /**
   * The server's periodic check. Closes a slow peer: one holding part of a message without
   * completing any for `slowPeerMs` (1 byte a second keeps a socket busy but must not keep it
   * forever). Closes an idle one: nothing read and no write completed for the idle limit (a peer
   * that stopped reading makes no progress even while the server keeps queueing for it).
   */
  check(now: number): void {
    if (this.closed) return;
    if (this.session.input.bufferedBytes > 0 && now - this.lastMessageAt >= this.guard.slowPeerMs) {
      this.guard.refused('rtmp_slow_peer');
      this.fail(new RtmpError(RtmpErrorCode.TIMEOUT, 'slow peer: no complete message in time'));
      return;
    }
    if (this.idleMs <= 0) return;
    const s = this.socket;
    const progress = s.bytesRead + (s.bytesWritten ?? 0) - s.writableLength;
    if (progress !== this.lastProgress) {
      this.lastProgress = progress;
      this.lastProgressAt = now;
    } else if (now - this.lastProgressAt >= this.idleMs) {
      this.fail(new RtmpError(RtmpErrorCode.TIMEOUT, 'idle timeout'));
    }
  }

  /** Closes the connection now. */
  close(reason: string): void {
    this.logger.info({ id: this.id, reason }, 'rtmp connection closed by server');
    this.session.end();
    this.socket.destroy();
  }

  /** A {@link PlayerSink} writing media for NetStream `streamId` to this socket. */
  sinkFor(streamId: number): PlayerSink {
    const socket = this.socket;
    const session = this.session;
    return {
      format: 'rtmp',
      chunkSize: session.outChunkSize,
      streamId,
      pendingBytes: () => socket.writableLength,
      write: (b) => {
        if (!socket.destroyed) socket.write(b);
      },
      writeBatch: (bufs) => {
        if (socket.destroyed) return;
        socket.cork();
        for (const b of bufs) socket.write(b);
        socket.uncork();
      },
      close: (reason) => {
        if (socket.destroyed) return;
        session.sendPlayStop(streamId, reason);
        session.end();
      },
    };
  }

  private fail(err: Error): void {
    this.closeError ??= err;
    this.clearHandshakeTimer();
    this.session.end();
    this.socket.destroy();
  }

  private clearHandshakeTimer(): void {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
  }
}

/**
 * Accept-queue length asked of the kernel (capped by `net.core.somaxconn`): Node's default of 511
 * drops SYNs when every publisher and player of a gateway reconnects at once, and each dropped one
 * waits a second to retry.
 */
export const RTMP_LISTEN_BACKLOG = 4096;

/** Events of an {@link RtmpServer}. */
export interface RtmpServerEvents {
  connection: (conn: RtmpConnection) => void;
}

/** The TCP listener: accepts sockets and wraps each in an {@link RtmpConnection}. */
export class RtmpServer extends TypedEmitter<RtmpServerEvents> {
  /** A listener's bug is thrown from `emit` (after every listener ran): the caller's recovery closes only the connection that triggered it. */
  override onListenerError = throwListenerError;

  private readonly server: Server;
  private readonly conns = new Set<RtmpConnection>();
  private readonly logger: Logger;
  /** The pre-authorization limits shared by every connection of this server. */
  readonly guard: RtmpGuard;
  private sweep: ReturnType<typeof setInterval> | null = null;
  private readonly trusted: (address: string) => boolean;
  /** One read buffer for every connection (see {@link adoptWithReadBuffer}). */
  private readonly readBuffer = Buffer.allocUnsafeSlow(READ_BUFFER_SIZE);

  constructor(private readonly opts: RtmpServerOptions = {}) {
    super();
    this.logger = opts.logger ?? silentLogger;
    this.guard = new RtmpGuard(opts.guard);
    this.trusted = trustedProxyMatcher(opts.trustedProxies ?? []);
    // Paused on accept: a socket is moved onto the shared read buffer before its first read.
    this.server = createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
    this.server.maxConnections = opts.maxConnections ?? 10_000;
  }

  /** Starts listening; resolves with the bound port. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ port, host, backlog: RTMP_LISTEN_BACKLOG }, () => {
        this.server.off('error', reject);
        // One sweep for slow and idle peers, not a timer per connection.
        const idle = this.opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
        const every = Math.max(
          50,
          Math.min(1000, this.guard.slowPeerMs / 4, idle > 0 ? idle / 4 : Number.POSITIVE_INFINITY),
        );
        this.sweep = setInterval(() => {
          const now = Date.now();
          for (const c of this.conns) c.check(now);
        }, every);
        this.sweep.unref();
        const addr = this.server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  /** Open connections. */
  connections(): RtmpConnection[] {
    return [...this.conns];
  }

  /** Stops listening and closes every connection. */
  close(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    for (const c of this.conns) c.close('server shutting down');
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(raw: Socket): void {
    // Where the socket's bytes go: the PROXY header reader first when a load balancer sends one, then
    // the connection.
    let onData: (d: Buffer) => void = () => {};
    let socket: Socket = raw;
    if (this.opts.sharedReadBuffer !== false) {
      socket = adoptWithReadBuffer(raw, this.readBuffer, (d) => onData(d)) ?? raw;
    }
    if (socket === raw) {
      raw.on('data', (d: Buffer) => onData(d));
      raw.resume();
    }
    if (this.trusted(socket.remoteAddress ?? '')) {
      this.acceptProxied(socket, (next) => {
        onData = next;
      });
      return;
    }
    const conn = this.admit(socket, socket.remoteAddress ?? '');
    if (conn) onData = (d) => conn.feed(d);
  }

  /** A trusted load balancer's connection: read its PROXY header, then serve the real client. */
  private acceptProxied(socket: Socket, route: (onData: (d: Buffer) => void) => void): void {
    socket.on('error', () => {});
    // Copied as it comes: the bytes read may be a view of the shared read buffer.
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), this.opts.handshakeTimeoutMs ?? 10_000);
    route((d) => {
      buf = Buffer.concat([buf, d]);
      const h = parseProxyHeader(buf);
      if (h.kind === 'incomplete') return;
      clearTimeout(timer);
      route(() => {});
      if (h.kind === 'invalid') {
        this.guard.refused('rtmp_proxy_header');
        socket.destroy();
        return;
      }
      const conn = this.admit(socket, h.address ?? socket.remoteAddress ?? '');
      if (!conn) return;
      route((next) => conn.feed(next));
      if (h.rest.length > 0) conn.feed(h.rest);
    });
  }

  /** Takes an unauthorized slot for `address` and serves the socket; null when refused. */
  private admit(socket: Socket, address: string): RtmpConnection | null {
    // Unauthorized connections are capped per address and in all; authorized ones are not counted,
    // so a flood of idle sockets is refused at once and never displaces a live publisher or player.
    if (this.guard.admit(address) !== 'ok') {
      socket.on('error', () => {});
      socket.destroy();
      return null;
    }
    const conn = new RtmpConnection(socket, this.opts, this.logger, this.guard, address);
    this.conns.add(conn);
    conn.on('close', () => this.conns.delete(conn));
    try {
      this.emit('connection', conn);
    } catch (e) {
      this.logger.error({ err: e instanceof Error ? e.stack : String(e) }, 'rtmp connection handler failed');
      socket.destroy();
    }
    return conn;
  }
}

import { type Server, type Socket, createServer } from 'node:net';
import { RtmpError, RtmpErrorCode } from './errors.js';
import type { PlayerSink } from './stream-info.js';
import { RtmpSession, type RtmpSessionOptions } from './rtmp-session.js';
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
  session?: RtmpSessionOptions;
  logger?: Logger;
}

/** Events of one {@link RtmpConnection}. */
export interface RtmpConnectionEvents {
  /** The socket is gone; `error` says why when it was not a clean close. */
  close: (error: Error | null) => void;
  /** A bug of ours surfaced while serving this connection (the connection was closed). */
  internalError: (error: Error) => void;
}

let nextId = 1;

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

  constructor(
    readonly socket: Socket,
    opts: RtmpServerOptions,
    private readonly logger: Logger,
  ) {
    super();
    this.remoteAddress = socket.remoteAddress ?? '';
    this.session = new RtmpSession(opts.session);
    socket.setNoDelay(true);
    socket.setTimeout(opts.idleTimeoutMs ?? 60_000);
    this.handshakeTimer = setTimeout(() => {
      this.fail(new RtmpError(RtmpErrorCode.TIMEOUT, 'handshake/connect timeout'));
    }, opts.handshakeTimeoutMs ?? 10_000);
    this.session.on('send', (b) => {
      if (!socket.destroyed) socket.write(b);
    });
    this.session.on('connect', () => this.clearHandshakeTimer());
    this.session.on('end', (err) => {
      if (err) this.logger.info({ id: this.id, code: err.code, err: err.message }, 'rtmp session ended');
      this.closeError = err;
      // Let the final onStatus reach the peer, then close; destroy if it does not go away.
      socket.end();
      setTimeout(() => socket.destroy(), 2000).unref();
    });
    socket.on('data', (d) => {
      try {
        this.session.feed(d);
      } catch (e) {
        // Not an RtmpError: a bug of ours. Log it loudly but only this connection pays.
        const err = e instanceof Error ? e : new Error(String(e));
        this.logger.error({ id: this.id, err: err.stack }, 'rtmp internal error');
        this.fail(err);
        this.emit('internalError', err);
      }
    });
    socket.on('timeout', () => this.fail(new RtmpError(RtmpErrorCode.TIMEOUT, 'idle timeout')));
    socket.on('error', (e) => {
      this.closeError ??= e;
    });
    socket.on('close', () => {
      this.clearHandshakeTimer();
      this.closed = true;
      this.session.end();
      this.emit('close', this.closeError);
    });
  }

  /** True once the socket has closed. */
  get isClosed(): boolean {
    return this.closed;
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

  constructor(private readonly opts: RtmpServerOptions = {}) {
    super();
    this.logger = opts.logger ?? silentLogger;
    this.server = createServer((socket) => this.accept(socket));
    this.server.maxConnections = opts.maxConnections ?? 10_000;
  }

  /** Starts listening; resolves with the bound port. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
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
    for (const c of this.conns) c.close('server shutting down');
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const conn = new RtmpConnection(socket, this.opts, this.logger);
    this.conns.add(conn);
    conn.on('close', () => this.conns.delete(conn));
    try {
      this.emit('connection', conn);
    } catch (e) {
      this.logger.error({ err: e instanceof Error ? e.stack : String(e) }, 'rtmp connection handler failed');
      socket.destroy();
    }
  }
}

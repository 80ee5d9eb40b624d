import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type AuthResult, type MediaAuthorizer, type StreamRequest, allowAll } from './auth.js';
import {
  CORS,
  answerFlvPreflight,
  httpStatusFor,
  nextHttpSessionId,
  parseFlvPath,
  refuseFlv,
  startFlvResponse,
} from '../http-flv/http-flv.js';
import { MediaHub } from '../hub/media-hub.js';
import type { MediaHubEvents, StreamInfo } from '../hub/stream-info.js';
import { startRecording } from './recorder.js';
import { bridgeRtmpConnection } from './rtmp-bridge.js';
import type { RtmpGuardOptions } from './rtmp-guard.js';
import { type Logger, RtmpServer, silentLogger } from './rtmp-server.js';
import { TypedEmitter, throwListenerError } from '@minirtc/protocol/emitter';

/** Options of a {@link MediaServer}. */
export interface MediaServerOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 1935; 0 = ephemeral. */
  rtmpPort?: number;
  /** Standalone HTTP-FLV port; null = none (mount {@link MediaServer.handleHttp} instead). Default null. */
  httpPort?: number | null;
  /** Default: allow everything. */
  authorizer?: MediaAuthorizer;
  /** How long a stream outlives its publisher's disconnect (default 30000). */
  takeoverGraceMs?: number;
  gopCacheMaxFrames?: number;
  gopCacheMaxBytes?: number;
  /** Past this many pending bytes a player skips to the next keyframe (default 4 MiB); 4× closes it. */
  playerMaxPendingBytes?: number;
  /** A player skipping frames for longer than this is closed (default 15000). */
  playerMaxDropMs?: number;
  /** Batch each player's writes (see MediaHubOptions.writeBatching); default true. */
  writeBatching?: boolean;
  /** Read all sockets into one shared buffer (see RtmpServerOptions.sharedReadBuffer); default true. */
  sharedReadBuffer?: boolean;
  /** Coalescing window for large audiences, ms (default 20). */
  batchWindowMs?: number;
  /** Streams with more players than this use the window (default 16). */
  batchMinPlayers?: number;
  /** Record every published stream to `<recordDir>/<key>-<startedAt>.flv` (default: no recording). */
  recordDir?: string;
  /** Handshake + connect must finish within this (default 10000). */
  handshakeTimeoutMs?: number;
  /** A connection with no traffic either way is closed after this (default 60000). */
  idleTimeoutMs?: number;
  /** A publisher silent for this long is considered gone and its stream enters grace (default 15000; 0 = idleTimeoutMs). */
  publisherIdleTimeoutMs?: number;
  /** Most simultaneous RTMP connections (default 10000). */
  maxConnections?: number;
  /** Limits before authorization: deadline, unauthorized caps, buffers, slow peers (see RtmpGuardOptions). */
  guard?: RtmpGuardOptions;
  /** A live publisher that sent media within this long is not taken over (default 2000 ms). */
  takeoverSilenceMs?: number;
  /** Load balancers whose RTMP connections start with a PROXY protocol header (IPs/CIDRs). */
  trustedProxies?: readonly string[];
  logger?: Logger;
}

/** Events of a {@link MediaServer}: the hub's stream events, relayed, and the server's own. */
export interface MediaServerEvents extends MediaHubEvents {
  /** A recording file was opened for a stream. */
  recordStart: (key: string, path: string) => void;
  /** A recording file is complete and flushed (the stream ended). */
  recordStop: (key: string, path: string) => void;
  error: (err: Error) => void;
}

/**
 * The media gateway: RTMP in and out, HTTP-FLV out, one authorizer for both, and the hub between
 * them. It knows nothing of rooms; the signaling server plugs in through the authorizer and events.
 */
export class MediaServer extends TypedEmitter<MediaServerEvents> {
  /** A listener's bug is thrown from `emit` (after every listener ran): the caller's recovery closes only the connection that triggered it. */
  override onListenerError = throwListenerError;

  private readonly opts: MediaServerOptions;
  private readonly logger: Logger;
  private readonly authorizer: MediaAuthorizer;
  private readonly hub: MediaHub;
  private readonly rtmp: RtmpServer;
  private http: Server | null = null;
  private actualRtmpPort = 0;
  private actualHttpPort: number | null = null;
  private recordings = 0;

  constructor(opts: MediaServerOptions = {}) {
    super();
    this.opts = opts;
    this.logger = opts.logger ?? silentLogger;
    this.authorizer = opts.authorizer ?? allowAll;
    this.hub = new MediaHub({
      takeoverGraceMs: opts.takeoverGraceMs,
      ...(opts.takeoverSilenceMs !== undefined ? { takeoverSilenceMs: opts.takeoverSilenceMs } : {}),
      gopCacheMaxFrames: opts.gopCacheMaxFrames,
      gopCacheMaxBytes: opts.gopCacheMaxBytes,
      playerMaxPendingBytes: opts.playerMaxPendingBytes,
      playerMaxDropMs: opts.playerMaxDropMs,
      writeBatching: opts.writeBatching ?? true,
      batchWindowMs: opts.batchWindowMs,
      batchMinPlayers: opts.batchMinPlayers,
    });
    const relayed = [
      'publishStart',
      'mediaStart',
      'publishReplaced',
      'publishInterrupted',
      'publishStop',
      'playStart',
      'playStop',
    ] as const;
    for (const ev of relayed) {
      this.hub.on(ev, (...args: unknown[]) => {
        this.logger.info({ event: ev, key: (args[0] as StreamInfo).key, arg: args[1] }, 'media event');
        (this.emit as (n: string, ...a: unknown[]) => boolean)(ev, ...args);
      });
    }
    if (opts.recordDir) {
      const dir = opts.recordDir;
      this.hub.on('publishStart', (info) => void this.record(dir, info));
    }
    this.rtmp = new RtmpServer({
      handshakeTimeoutMs: opts.handshakeTimeoutMs,
      idleTimeoutMs: opts.idleTimeoutMs,
      maxConnections: opts.maxConnections,
      ...(opts.guard ? { guard: opts.guard } : {}),
      ...(opts.trustedProxies ? { trustedProxies: opts.trustedProxies } : {}),
      ...(opts.sharedReadBuffer !== undefined ? { sharedReadBuffer: opts.sharedReadBuffer } : {}),
      logger: this.logger,
    });
    this.rtmp.on('connection', (c) =>
      bridgeRtmpConnection(c, {
        hub: this.hub,
        logger: this.logger,
        authorize: (req) => this.authorize(req),
        internalError: (e, closeClient) => this.internalError(e, closeClient),
        publisherIdleTimeoutMs: opts.publisherIdleTimeoutMs ?? 15_000,
      }),
    );
  }

  /** Actual RTMP port (after {@link listen}). */
  get rtmpPort(): number {
    return this.actualRtmpPort;
  }

  /** Actual standalone HTTP-FLV port, or null. */
  get httpPort(): number | null {
    return this.actualHttpPort;
  }

  /** Binds the RTMP port (and the HTTP-FLV port if configured). */
  async listen(): Promise<void> {
    const host = this.opts.host ?? '127.0.0.1';
    this.actualRtmpPort = await this.rtmp.listen(this.opts.rtmpPort ?? 1935, host);
    if (this.opts.httpPort !== undefined && this.opts.httpPort !== null) {
      const http = createServer((req, res) => {
        if (!this.handleHttp(req, res)) refuseFlv(res, 404, 'not found');
      });
      this.http = http;
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(this.opts.httpPort ?? 0, host, () => {
          http.off('error', reject);
          const a = http.address();
          this.actualHttpPort = typeof a === 'object' && a ? a.port : null;
          resolve();
        });
      });
    }
  }

  /** Ends every stream and connection and stops listening. */
  async close(): Promise<void> {
    this.hub.close();
    const http = this.http;
    this.http = null;
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    await this.rtmp.close();
  }

  /** Handles `GET /<app>/<stream>.flv?query`; returns false (untouched) for any other request. */
  handleHttp(req: IncomingMessage, res: ServerResponse): boolean {
    const target = parseFlvPath(req.method, req.url);
    if (!target) return false;
    if (req.method === 'OPTIONS') {
      answerFlvPreflight(res, req.headers['access-control-request-headers']);
      return true;
    }
    const sessionId = nextHttpSessionId();
    const request: StreamRequest = {
      kind: 'play',
      protocol: 'http-flv',
      ...target,
      remoteAddress: req.socket.remoteAddress ?? '',
      sessionId,
    };
    void this.authorize(request)
      .then((auth) => {
        if (res.destroyed || req.socket.destroyed) return;
        if (!auth.ok) {
          refuseFlv(res, httpStatusFor(auth), auth.reason);
          return;
        }
        if (req.method === 'HEAD') {
          res.writeHead(200, { 'Content-Type': 'video/x-flv', ...CORS });
          res.end();
          return;
        }
        const key = auth.key ?? `${target.app}/${target.stream}`;
        res.on('close', () => this.hub.stopPlay(key, sessionId));
        const sink = startFlvResponse(res);
        this.hub.play({
          key,
          app: target.app,
          stream: target.stream,
          sessionId,
          tag: auth.tag,
          owner: auth.owner,
          sink,
        });
      })
      .catch((e: unknown) => this.internalError(e, () => res.destroy()));
    return true;
  }

  /** Closes a stream's publisher and players now ('publishStop' with reason 'closed'). */
  closeStream(key: string, reason?: string): boolean {
    return this.hub.closeStream(key, reason);
  }

  /** Drops every publish/play session the predicate matches (e.g. a kicked user). Returns how many. */
  dropSessions(
    match: (s: { key: string; kind: 'publish' | 'play'; owner?: string; tag?: unknown }) => boolean,
  ): number {
    return this.hub.dropSessions(match);
  }

  /** What the pre-authorization limits refused, by reason (for `/metrics`). */
  refusals(): [string, number][] {
    return this.rtmp.guard.refusals();
  }

  /** RTMP connections not yet authorized to publish or play (bounded by the guard's caps). */
  get unauthorizedConnections(): number {
    return this.rtmp.guard.unauthorized;
  }

  /** Every published (live or in-grace) stream. */
  streams(): StreamInfo[] {
    return this.hub.streams();
  }

  /** Memory of the GOP caches (see {@link MediaHub.gopMemory}), for `/metrics` and memory reports. */
  gopMemory(): { cachedBytes: number; blockBytes: number; freeBytes: number } {
    return this.hub.gopMemory();
  }

  private async record(dir: string, info: StreamInfo): Promise<void> {
    try {
      const rec = await startRecording(dir, info.key, info.startedAt);
      const now = this.hub.get(info.key);
      if (!now || now.state === 'idle' || now.startedAt !== info.startedAt) {
        rec.sink.close('stream already gone');
      } else {
        const sessionId = `rec-${++this.recordings}`;
        this.hub.play({
          key: info.key,
          app: info.app,
          stream: info.stream,
          sessionId,
          sink: rec.sink,
          silent: true,
        });
        this.logger.info({ key: info.key, path: rec.path }, 'recording started');
        this.emit('recordStart', info.key, rec.path);
      }
      const path = await rec.done;
      this.emit('recordStop', info.key, path);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      this.logger.error({ key: info.key, err: err.message }, 'recording failed');
      if (this.listenerCount('error') > 0) this.emit('error', err);
    }
  }

  /** A bug of ours in an async path: log it, surface it, and close only the affected client. */
  private internalError(e: unknown, closeClient: () => void): void {
    const err = e instanceof Error ? e : new Error(String(e));
    this.logger.error({ err: err.stack }, 'media server internal error');
    closeClient();
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private async authorize(req: StreamRequest): Promise<AuthResult> {
    try {
      return await this.authorizer.authorize(req);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      this.logger.error({ err: err.message, sessionId: req.sessionId }, 'authorizer failed');
      if (this.listenerCount('error') > 0) this.emit('error', err);
      return { ok: false, status: 'Unauthorized', reason: 'authorization failed' };
    }
  }
}

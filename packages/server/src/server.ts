import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { CloseCode, Limits } from '@minirtc/protocol';
import type { WireStream, WireUser } from '@minirtc/protocol';
import { type WebSocket, WebSocketServer } from 'ws';
import type { AppStore } from './app-store.js';
import { Connection, type ConnectionLimits } from './ws/connection.js';
import { LISTEN_BACKLOG, SIGNALING_DEFAULTS } from './defaults.js';
import type { Emit, MediaEvent, ServerEvents } from './events.js';
import type { HandlerContext } from './ws/handlers/index.js';
import type { FastifyInstance } from 'fastify';
import { type AddressResolver, createAddressResolver } from './http/client-address.js';
import { type RawHandler, createHttpApp } from './http/http-app.js';
import { type FlvHandler, flvRoutes, healthRoutes } from './http/routes.js';
import { OpsListener } from './http/ops-listener.js';
import { Readiness, readinessRoutes } from './http/readiness.js';
import { defaultNodeId } from './cluster/redis-connect.js';
import { redisPing } from './cluster/redis-readiness.js';
import { localNodeLocator } from './api/node-locator.js';
import { type TlsFiles, TlsReloader } from './http/tls-reloader.js';
import { type LogEntry, type LogFilter, LogIntake, type LogIntakeOptions } from './http/log-intake.js';
import { type Logger, bindLogger, silentLogger } from './logger.js';
import { type MediaBridge, SignalingMediaBridge } from './core/media-bridge.js';
import { createMediaHooks } from './http/media-hooks.js';
import { Operations, type OperationsOptions } from './operations.js';
import { DEFAULT_PRESENCE } from './core/room-presence.js';
import { Signaling } from './core/signaling.js';
import { wireStream } from './core/stream-registry.js';
import { StreamUrlSigner } from './core/stream-urls.js';
import type { MediaPlacement } from './core/placement-port.js';
import { AddressCaps } from './security/address-caps.js';
import { issueLogCredential } from './security/log-credential.js';
import { LogGate } from './security/log-gate.js';
import { LoginGuard } from './security/login-guard.js';
import { type SecurityOptions, resolveSecurity } from './security/options.js';
import { RefusalCounter } from './security/refusals.js';
import { SignalingCluster } from './cluster/signaling-cluster.js';
import { verifyGrant } from '@minirtc/protocol/crypto';

/** Rates the server enforces; ZEGO's published limits and the protocol's per-connection limits by default. */
export interface RateLimits {
  broadcastPerSecond: number;
  barragePerSecond: number;
  customCommandPerSecond: number;
  framesPerSecond: number;
  framesBurst: number;
  /** Bad or excess frames tolerated per second, sustained, before closing 4003. */
  abusePerSecond: number;
  abuseBurst: number;
  /** Members a room push reaches per event-loop turn (see {@link RoomLimits.fanoutSlice}). */
  fanoutSlice?: number;
  /** Room deliveries waiting before broadcasts are refused (see {@link RoomLimits.pushBacklogMax}). */
  pushBacklogMax?: number;
}

/** Configuration of {@link MiniRtcServer}. */
export interface ServerOptions extends OperationsOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** HTTP + WebSocket port; default 8080; 0 = ephemeral. */
  port?: number;
  /**
   * PEM certificate chain and key files: the port then speaks HTTPS and WSS (HTTP-FLV too). The files
   * are read again on {@link MiniRtcServer.reloadTls} and when they change; open connections keep
   * the certificate they started with.
   */
  tls?: TlsFiles;
  /**
   * Proxies (IPs or CIDRs) whose `X-Forwarded-For`/`-Proto` are believed; from anyone else those
   * headers are ignored. Default none.
   */
  trustedProxies?: string[];
  /**
   * Public base of this server as clients reach it (`https://rtc.example.com`), behind NAT, a load
   * balancer or a TLS proxy: signaling and HTTP-FLV URLs handed out are built on it. Default: the
   * listening address.
   */
  publicUrl?: string;
  /** Plain-HTTP listener for `/healthz`, `/readyz` and `/metrics` only (e.g. `{ port: 9090 }` on 127.0.0.1). */
  opsListener?: { host?: string; port: number };
  /** The media gateway's HTTP-FLV player, served at `/<app>/<stream>.flv` (resolved per request). */
  httpFlv?: () => FlvHandler | undefined;
  apps: AppStore;
  /** Base of push/pull URLs, default `rtmp://127.0.0.1:1935/live`. */
  mediaRtmpBase?: string | (() => string);
  /** Base of HTTP-FLV URLs, default `${httpUrl}/live`. */
  mediaFlvBase?: string | (() => string);
  /** Chooses the media node of each stream's push/play URLs (several `minirtc media` nodes); see cluster/media-directory. */
  placement?: MediaPlacement;
  /** Signed URL lifetime, default 600 s. */
  urlTtlSeconds?: number;
  /** Client ping interval, sent in the login reply; default 10000. */
  heartbeatMs?: number;
  /** No frame for this long → close 4002; default 30000. */
  heartbeatTimeoutMs?: number;
  /** How long a dropped session is held for resume; default 30000. */
  resumeGraceMs?: number;
  /** `tokenWillExpire` this long before expiry; default 30 (fractions allowed, for tests). */
  tokenWillExpireSeconds?: number;
  /** Largest inbound frame (ws closes 1009 above it); default `Limits.FRAME_MAX_BYTES`. */
  maxFrameBytes?: number;
  /** Outbound bytes queued on one socket before it is dropped as a slow consumer; default 4 MiB. */
  maxSendBufferBytes?: number;
  /**
   * Smallest gap between two `onlineCount` pushes to one room (changes in between are coalesced);
   * default 1000; 0 pushes every change.
   */
  onlineCountIntervalMs?: number;
  /** Above this many members `userUpdate` pushes stop, as ZEGO's above 500; default 500. */
  userUpdateMaxMembers?: number;
  /** Unacknowledged pushes kept per session for resume; default 1000. */
  maxBufferedPushes?: number;
  /** Override rate limits (tests use small ones). */
  limits?: Partial<RateLimits>;
  logIntake?: LogIntakeOptions;
  /** Serve `/hooks/srs` and `/hooks/nginx` for external media servers; default true. */
  mediaHooks?: boolean;
  /** Lifetime of console preview URLs (`previewUrl` in stream lists); default 60 s. */
  previewTtlSeconds?: number;
  /** Security limits (failed-login budgets, pre-login caps, `/httplog` credential, webhook destinations). */
  security?: Partial<SecurityOptions>;
  /**
   * Shared live state: rooms, sessions and streams in Redis, so several nodes serve one deployment
   * (docs/scaling.md). Unset: in memory, one node.
   */
  cluster?: { redisUrl: string; nodeId: string; heartbeatMs?: number };
  /** The media gateway's refusals by reason, for `minirtc_security_refusals_total`. */
  mediaRefusals?: () => [string, number][];
  logger?: Logger;
}

/** A room as the operator list shows it. */
export interface RoomSummary {
  appID: number;
  roomID: string;
  users: number;
  streams: number;
  createdAt: number;
}

/**
 * The MiniRTC signaling server: one HTTP(S) port carrying the `/ws` WebSocket endpoint (`ws`, on the
 * upgrade) and the fastify pipeline whose routes are `/healthz`, `/httplog`, the media hooks, HTTP-FLV,
 * the REST and ZEGO-form APIs, `/metrics` and the console; plus the media bridge a gateway plugs into.
 */
export class MiniRtcServer extends EventEmitter<ServerEvents> {
  /** The Node server under the HTTP pipeline (HTTPS when `tls` is set). */
  readonly http: Server | HttpsServer;
  /** The HTTP pipeline: every endpoint is a route on it. */
  readonly app: FastifyInstance;
  readonly media: MediaBridge;
  /** Resolves client addresses (trusted proxies) for HTTP routes and the WebSocket upgrade. */
  readonly addresses: AddressResolver;
  readonly #core: Signaling;
  readonly #mount: (h: RawHandler) => void;
  readonly #tls: TlsReloader | undefined;
  readonly #ops: OpsListener | undefined;
  readonly #publicUrl: string | undefined;
  readonly #wss: WebSocketServer;
  readonly #logIntake: LogIntake;
  readonly #connections = new Set<Connection>();
  readonly #log: Logger;
  readonly #host: string;
  readonly #wantPort: number;
  readonly #limits: ConnectionLimits;
  readonly #ctx: HandlerContext;
  readonly #security: SecurityOptions;
  /** WebSockets that have no session yet, per address and in all. */
  readonly #unauthenticated: AddressCaps;
  /** What the security limits refused, by reason (`minirtc_security_refusals_total`). */
  readonly refusals = new RefusalCounter();
  /** Persistence, REST API, webhooks, metrics, timeline, console. */
  readonly operations: Operations;
  /**
   * This node's identity (`nodeId`; default `<hostname>-<pid>`): in every log line and in the user
   * and stream lists; the `node` label of the metrics when configured.
   */
  readonly nodeId: string;
  /**
   * The probes behind `/readyz`: the database is registered here; whoever opens another dependency
   * (Redis, PostgreSQL) adds its probe with `readiness.add(name, check)`.
   */
  readonly readiness: Readiness;
  /** Set when the state is shared with other nodes (`cluster` option). */
  readonly cluster: SignalingCluster | undefined;
  #port = 0;
  #closed: Promise<void> | null = null;

  /** Builds the server; nothing listens until {@link listen}. */
  constructor(opts: ServerOptions) {
    super();
    this.nodeId = opts.nodeId ?? opts.cluster?.nodeId ?? defaultNodeId(hostname(), process.pid);
    this.#log = bindLogger(opts.logger ?? silentLogger, { node: this.nodeId });
    this.readiness = new Readiness((check, err) =>
      this.#log.warn(
        { check, err: err instanceof Error ? err.message : String(err) },
        'readiness check failed',
      ),
    );
    this.#host = opts.host ?? SIGNALING_DEFAULTS.host;
    this.#wantPort = opts.port ?? SIGNALING_DEFAULTS.port;
    const rates: RateLimits = {
      broadcastPerSecond: Limits.BROADCAST_PER_SECOND,
      barragePerSecond: Limits.BARRAGE_PER_SECOND,
      customCommandPerSecond: Limits.CUSTOM_COMMAND_PER_SECOND,
      framesPerSecond: Limits.CONNECTION_MESSAGES_PER_SECOND,
      framesBurst: Limits.CONNECTION_MESSAGES_BURST,
      abusePerSecond: 10,
      abuseBurst: 100,
      ...opts.limits,
    };
    const sec = resolveSecurity(opts.security);
    this.#security = sec;
    this.#unauthenticated = new AddressCaps(sec.wsUnauthenticatedPerAddress, sec.wsUnauthenticatedGlobal);
    const maxFrameBytes = opts.maxFrameBytes ?? Limits.FRAME_MAX_BYTES;
    const heartbeatMs = opts.heartbeatMs ?? SIGNALING_DEFAULTS.heartbeatMs;
    const resumeGraceMs = opts.resumeGraceMs ?? SIGNALING_DEFAULTS.resumeGraceMs;
    this.#limits = {
      heartbeatTimeoutMs: opts.heartbeatTimeoutMs ?? SIGNALING_DEFAULTS.heartbeatTimeoutMs,
      maxFrameBytes,
      maxSendBufferBytes: opts.maxSendBufferBytes ?? 4 * 1024 * 1024,
      framesPerSecond: rates.framesPerSecond,
      framesBurst: rates.framesBurst,
      abusePerSecond: rates.abusePerSecond,
      abuseBurst: rates.abuseBurst,
      tokenFailureReplyMs: sec.tokenFailureReplyMs,
    };
    const emit: Emit = (name, ...args) => {
      if (name === 'error' && this.listenerCount('error') === 0) return;
      try {
        (this.emit as (n: string, ...a: unknown[]) => boolean)(name, ...args);
      } catch (err) {
        // A throwing listener must not abort a state transition half-way.
        this.#log.error({ err, event: name }, 'event listener threw');
      }
    };
    this.#core = new Signaling(
      {
        resumeGraceMs,
        tokenWillExpireSeconds: opts.tokenWillExpireSeconds ?? 30,
        maxBufferedPushes: opts.maxBufferedPushes ?? 1000,
        roomLimits: rates,
        presence: {
          onlineCountIntervalMs: opts.onlineCountIntervalMs ?? DEFAULT_PRESENCE.onlineCountIntervalMs,
          userUpdateMaxMembers: opts.userUpdateMaxMembers ?? DEFAULT_PRESENCE.userUpdateMaxMembers,
        },
      },
      emit,
      this.#log,
    );
    const base = (v: string | (() => string) | undefined, dflt: () => string): (() => string) =>
      typeof v === 'function' ? v : v !== undefined ? () => v : dflt;
    const bases = {
      rtmp: base(opts.mediaRtmpBase, () => 'rtmp://127.0.0.1:1935/live'),
      flv: base(opts.mediaFlvBase, () => `${this.httpUrl}/live`),
    };
    const signer = new StreamUrlSigner(
      opts.apps,
      bases,
      opts.urlTtlSeconds ?? SIGNALING_DEFAULTS.urlTtlSeconds,
      opts.placement,
    );
    const loginGuard = new LoginGuard(
      {
        burstPerAddress: sec.loginFailureBurstPerAddress,
        perMinutePerAddress: sec.loginFailuresPerMinutePerAddress,
        burstPerApp: sec.loginFailureBurstPerApp,
        perMinutePerApp: sec.loginFailuresPerMinutePerApp,
      },
      this.refusals,
    );
    const media = new SignalingMediaBridge(this.#core, signer, this.#log);
    this.media = media;
    if (opts.cluster) {
      const cluster = new SignalingCluster({
        redisUrl: opts.cluster.redisUrl,
        nodeId: opts.cluster.nodeId,
        ...(opts.cluster.heartbeatMs ? { heartbeatMs: opts.cluster.heartbeatMs } : {}),
        core: this.#core,
        apps: opts.apps,
        log: this.#log,
        emit,
        loginGuard,
        resumeGraceMs,
      });
      this.cluster = cluster;
      loginGuard.shared = (address, appID) => cluster.loginFailed(address, appID);
      this.#core.replicator = cluster;
      this.readiness.add('redis', redisPing(cluster.redis));
      media.fetchStreamRoom = (appID, streamID) => cluster.prepareApi(appID, { streamID });
      media.prepare = async (streamID, query) => {
        // The signature is checked by `authorize`; here only a real grant's room is worth fetching.
        try {
          const g = verifyGrant(streamID, query, signer.keyFor, 0);
          await cluster.refreshStream(g.appID, g.roomID, g.streamID);
        } catch {
          /* authorize refuses it with the precise code */
        }
      };
    }
    this.#ctx = {
      core: this.#core,
      apps: opts.apps,
      signer,
      emit,
      log: this.#log,
      heartbeatMs,
      resumeGraceMs,
      emitError: (err) => emit('error', err),
      loginGuard,
      ...(this.cluster
        ? { prepare: (msg, caller) => (this.cluster as SignalingCluster).prepare(msg, caller) }
        : {}),
      logCredential: (appID, userID) => {
        const app = opts.apps.get(appID);
        return app
          ? issueLogCredential(appID, userID, app.serverSecret, sec.httplogCredentialTtlSeconds)
          : '';
      },
    };
    const previewSigner = new StreamUrlSigner(opts.apps, bases, opts.previewTtlSeconds ?? 60, opts.placement);
    const cluster = this.cluster;
    this.operations = new Operations(this, this.#core, opts.apps, previewSigner, this.#log, {
      ...opts,
      // The metrics' `node` label only when an identity was configured or the node is part of a
      // cluster; the lists always name the node.
      ...(opts.nodeId !== undefined || opts.cluster ? { nodeId: this.nodeId } : {}),
      nodes: opts.nodes ?? localNodeLocator(this.nodeId, opts.placement),
      ...(cluster
        ? {
            clusterApi: {
              prepare: (appID, t) => cluster.prepareApi(appID, t),
              listRooms: (appID) => cluster.listRooms(appID),
            },
          }
        : {}),
      webhooks: {
        allowPrivateDestinations: sec.webhookAllowPrivate,
        refused: (reason) => this.refusals.inc(reason),
        ...opts.webhooks,
      },
      refusals: () => [...this.refusals.entries(), ...(opts.mediaRefusals?.() ?? [])],
    });
    this.readiness.add('database', async () => {
      this.operations.db.prepare('SELECT 1').get();
    });
    // The shared stores (`db.url`): a node without them cannot take logins for apps it does not cache.
    const pg = opts.postgres;
    if (pg) this.readiness.add('postgres', () => pg.ping());
    const logGate = new LogGate(
      opts.apps,
      {
        burstPerAddress: sec.httplogBurstPerAddress,
        perMinutePerAddress: sec.httplogPerMinutePerAddress,
        burstPerApp: sec.httplogBurstPerApp,
        perMinutePerApp: sec.httplogPerMinutePerApp,
      },
      this.refusals,
    );
    this.#logIntake = new LogIntake(this.#log, {
      gate: logGate,
      ...opts.logIntake,
      sink: this.operations.logStore,
    });
    this.#publicUrl = opts.publicUrl?.replace(/\/+$/, '');
    this.addresses = createAddressResolver(opts.trustedProxies);
    this.#tls = opts.tls ? new TlsReloader(opts.tls, this.#log, (e) => emit('tlsReload', e)) : undefined;
    const { app, mount } = createHttpApp({
      tls: this.#tls?.current,
      addresses: this.addresses,
      log: this.#log,
    });
    this.app = app;
    this.#mount = mount;
    app.register(async (scope) => {
      healthRoutes(scope);
      readinessRoutes(this.readiness)(scope);
      this.#logIntake.routes(scope);
      if (opts.mediaHooks !== false) createMediaHooks(this.media, this.#core, signer, this.#log)(scope);
      if (opts.httpFlv) flvRoutes(opts.httpFlv)(scope);
    });
    for (const r of this.operations.routes)
      app.register(async (scope) => r.plugin(scope), { prefix: r.prefix ?? '' });
    this.http = app.server as Server | HttpsServer;
    this.#tls?.attach(this.http as HttpsServer);
    this.#ops = opts.opsListener
      ? new OpsListener(opts.opsListener, this.operations.metrics.registry, this.#log, this.readiness)
      : undefined;
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes, perMessageDeflate: false });
    this.http.on('upgrade', (req, socket, head) => this.#onUpgrade(req, socket, head));
  }

  /** Bound port (after {@link listen}). */
  get port(): number {
    return this.#port;
  }

  /** `http://host:port`, or `https://` with TLS: the listening address (after {@link listen}). */
  get httpUrl(): string {
    const h = this.#host === '0.0.0.0' || this.#host === '::' ? '127.0.0.1' : this.#host;
    return `${this.#tls ? 'https' : 'http'}://${h.includes(':') ? `[${h}]` : h}:${this.#port}`;
  }

  /** `ws://host:port/ws` or `wss://…` (after {@link listen}). */
  get wsUrl(): string {
    return `${this.httpUrl.replace(/^http/, 'ws')}/ws`;
  }

  /** The base clients reach this server at: `publicUrl` when configured, else {@link httpUrl}. */
  get publicHttpUrl(): string {
    return this.#publicUrl ?? this.httpUrl;
  }

  /** The signaling URL handed to clients (`wss://public-host/ws` behind a TLS proxy). */
  get publicWsUrl(): string {
    return `${this.publicHttpUrl.replace(/^http/, 'ws')}/ws`;
  }

  /** The plain-HTTP health/metrics listener's URL, when configured (after {@link listen}). */
  get opsUrl(): string | undefined {
    return this.#ops?.url;
  }

  /**
   * Reads the certificate and key files again and serves them to new connections; open connections
   * (running calls, HTTP-FLV players) keep theirs. Resolves false, keeping the old pair, when the
   * new files are unreadable or do not match.
   */
  reloadTls(): Promise<boolean> {
    return this.#tls ? this.#tls.reload() : Promise.resolve(false);
  }

  /** Starts listening. */
  async listen(): Promise<void> {
    await this.cluster?.start();
    await this.app.listen({ port: this.#wantPort, host: this.#host, backlog: LISTEN_BACKLOG });
    this.#port = (this.http.address() as AddressInfo).port;
    try {
      await this.#ops?.listen();
    } catch (e) {
      await this.app.close();
      throw e;
    }
    this.#tls?.watch();
    this.#log.info({ url: this.httpUrl, public: this.publicHttpUrl }, 'signaling server listening');
    this.operations.start();
  }

  /** Stops: sessions end, sockets close (1001), the HTTP server stops. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      // One node of a cluster going away is like its crash, made quick: its sessions stay in their
      // rooms for the grace window so their clients log in again elsewhere without anyone seeing
      // them leave. Alone, the node ends every session.
      if (!this.cluster) this.#core.shutdown(CloseCode.GOING_AWAY);
      const pending = [...this.#wss.clients].map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === ws.CLOSED) return resolve();
            ws.once('close', () => resolve());
            ws.close(CloseCode.GOING_AWAY, 'server shutting down');
            setTimeout(() => ws.terminate(), 500).unref();
          }),
      );
      await Promise.all(pending);
      this.#wss.close();
      this.#tls?.close();
      await this.app.close();
      await this.#ops?.close();
      await this.cluster?.close();
      await this.operations.close();
    })();
    return this.#closed;
  }

  /**
   * Mounts a raw handler, tried (in order) for requests no route takes, before the 404; it returns
   * true if it answered. For embedders adding paths after start: the platform's own endpoints are
   * routes.
   */
  addHttpHandler(h: RawHandler): void {
    this.#mount(h);
  }

  /** Kicks a user out of a room (kickout push with `code`, then removal). False if not there. */
  kickUser(appID: number, roomID: string, userID: string, code = 1002055): boolean {
    const m = this.#core.rooms.get(appID, roomID)?.members.get(userID);
    if (!m) return false;
    this.#core.kickFromRoom(m, code);
    return true;
  }

  /** Closes a room, kicking every member (1002055). Returns how many were removed. */
  closeRoom(appID: number, roomID: string): number {
    return this.#core.closeRoom(appID, roomID);
  }

  /** Rooms, of one app or all. */
  rooms(appID?: number): RoomSummary[] {
    return this.#core.rooms.list(appID).map((r) => ({
      appID: r.appID,
      roomID: r.roomID,
      users: r.members.size,
      streams: r.liveStreams().length,
      createdAt: r.createdAt,
    }));
  }

  /** Members of a room (including users in their grace window). */
  roomUsers(appID: number, roomID: string): WireUser[] {
    return [...(this.#core.rooms.get(appID, roomID)?.members.values() ?? [])].map((m) => m.user);
  }

  /** Live streams of a room. */
  roomStreams(appID: number, roomID: string): WireStream[] {
    return (this.#core.rooms.get(appID, roomID)?.liveStreams() ?? []).map(wireStream);
  }

  /**
   * Drops a user's socket without a close handshake, as a network loss would: the session enters its
   * grace window. For tests (the SDK's reconnect paths) and operator tooling. False if not connected.
   */
  dropConnection(appID: number, userID: string): boolean {
    const t = this.#core.sessions.byUser(appID, userID)?.transport;
    if (!(t instanceof Connection)) return false;
    t.terminate();
    return true;
  }

  /** Session state of a user, for tests and the REST API: attached, in grace, or absent. */
  sessionState(appID: number, userID: string): 'attached' | 'grace' | 'none' {
    const s = this.#core.sessions.byUser(appID, userID);
    if (!s) return 'none';
    return s.transport ? 'attached' : 'grace';
  }

  /** Stored SDK remote logs matching `filter`. */
  logs(filter: LogFilter = {}): LogEntry[] {
    const r = this.#logIntake.logs(filter);
    // PostgreSQL (`db.url`) answers asynchronously: searchLogs.
    if (r instanceof Promise) {
      r.catch(() => {});
      throw new Error('SDK logs are in PostgreSQL: use searchLogs()');
    }
    return r;
  }

  /** Stored SDK remote logs matching `filter`, from whichever database holds them. */
  async searchLogs(filter: LogFilter = {}): Promise<LogEntry[]> {
    return await this.#logIntake.logs(filter);
  }

  /** A media gateway reports a publish/play start or stop (timeline, metrics). */
  reportMedia(e: MediaEvent): void {
    // A gateway closing after the server reports its last stops into a closed store: ignore them.
    if (this.#closed) return;
    this.emit('media', e);
  }

  /** Open WebSocket connections (logged in or not). */
  get connectionCount(): number {
    return this.#connections.size;
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if ((req.url ?? '').split('?')[0] !== '/ws' || this.#closed) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    socket.on('error', () => socket.destroy());
    // Sockets without a session are capped per (client) address and in all, refused before the
    // upgrade so a flood of idle sockets costs a 503 each and never the slots of logged-in users.
    const address = this.addresses.clientAddress(req);
    const slot = this.#unauthenticated.tryAdd(address);
    if (slot !== 'ok') {
      this.refusals.inc(slot === 'address' ? 'ws_unauth_cap_address' : 'ws_unauth_cap_global');
      socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      this.#unauthenticated.remove(address);
    };
    socket.once('close', release);
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws, req, address, release));
  }

  #onConnection(ws: WebSocket, req: IncomingMessage, address: string, release: () => void): void {
    const peer = req.socket.remoteAddress ?? '?';
    const remote = `${address}:${req.socket.remotePort ?? '?'}`;
    this.#log.debug({ address, peer }, 'websocket connected');
    this.emit('connection', { address, peer });
    const preLogin = {
      deadlineMs: this.#security.wsLoginDeadlineMs,
      release,
      refused: (reason: string) => this.refusals.inc(reason),
    };
    const conn = new Connection(
      ws,
      this.#ctx,
      this.#limits,
      remote,
      (c) => this.#connections.delete(c),
      preLogin,
      address,
    );
    this.#connections.add(conn);
  }

  /** WebSockets open without a session (bounded by the `security.wsUnauthenticated*` caps). */
  get unauthenticatedCount(): number {
    return this.#unauthenticated.total;
  }
}

/** A plain request/response pair, re-exported for handler authors. */
export type { IncomingMessage, ServerResponse };

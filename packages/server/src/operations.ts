import type { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { AppStore } from './app-store.js';
import type { ApiDeps } from './api/api-deps.js';
import { consoleRoutes } from './api/console-static.js';
import { type NodeLocator, localNodeLocator } from './api/node-locator.js';
import { NonceStore } from './api/nonce-store.js';
import { issuePreviewUrl } from './api/preview.js';
import { API_PREFIX, restRoutes } from './api/rest-api.js';
import { zegoActionRoutes } from './api/zego-actions.js';
import type { ServerEvents } from './events.js';
import type { FastifyInstance } from 'fastify';
import { metricsRoutes } from './http/routes.js';
import type { Logger } from './logger.js';
import {
  type MediaStatsProvider,
  type MediaStreamStat,
  type ServerMetrics,
  createServerMetrics,
} from './metrics/server-metrics.js';
import type { Signaling } from './core/signaling.js';
import { type Db, openDatabase } from './store/database.js';
import { LogStore } from './store/log-store.js';
import type { StreamUrlSigner } from './core/stream-urls.js';
import { PresenceJournal } from './security/presence-journal.js';
import { type GopMemory, registerGopMemoryMetric } from './metrics/gop-memory-metric.js';
import { registerRefusalMetric } from './security/refusal-metric.js';
import { TimelineRecorder } from './timeline/timeline-recorder.js';
import { type Timeline, TimelineStore } from './timeline/timeline-store.js';
import {
  type AttemptReport,
  type WebhookDispatch,
  type WebhookOptions,
  WebhookDispatcher,
} from './webhooks/dispatcher.js';
import { hasCallback } from './webhooks/attempt.js';
import { mapServerEvents, roomKey } from './webhooks/event-mapper.js';
import type { RecordingOptions, RecordingService } from './recording/recording-service.js';
import { composeRecording } from './recording/compose.js';
import { composeMixing } from './mixing/compose.js';
import type { MixService, MixingOptions } from './mixing/mix-service.js';
import { Outbox, type WebhookOutbox } from './webhooks/outbox.js';
import type { LogSink } from './http/log-intake.js';
import type { PgStores } from './store/pg-stores.js';

/** Settings of the operations layer (persistence, REST API, webhooks, metrics, timeline, console). */
export interface OperationsOptions {
  /** In a cluster: how the API reaches the shared state (see {@link ApiDeps.prepare}). */
  clusterApi?: Pick<ApiDeps, 'prepare' | 'listRooms'>;
  /**
   * SQLite database: a path, `:memory:`, or an open database (then the caller owns and closes it).
   * Default `<dataDir>/minirtc.db` when `dataDir` is set, else `:memory:`.
   */
  db?: string | Db;
  /**
   * Shared stores in PostgreSQL (`db.url`), opened by the caller: apps, webhooks, timeline and SDK
   * logs live there, and this node's dispatcher shares the outbox with the other nodes'. The SQLite
   * database above then keeps only node-local state (recordings, S3 queue, open presence).
   */
  postgres?: PgStores;
  dataDir?: string;
  /** Bearer key of the operator (console, admin endpoints). Admin endpoints are closed without it. */
  adminKey?: string;
  /** Built console files served at `/console`. */
  consoleDir?: string;
  webhooks?: WebhookOptions;
  /** Refusals of the security limits by reason (this server's and, via the platform, the gateway's). */
  refusals?: () => [string, number][];
  /** Live stream stats of the media gateway, for `/metrics`, stream lists and bitrate samples. */
  mediaStats?: MediaStatsProvider;
  /** The embedded gateway's GOP cache memory, for `/metrics` (absent: no such series). */
  mediaMemory?: () => GopMemory | undefined;
  /** Timeline bitrate sample interval for live streams; default 10000 ms, 0 = off. */
  bitrateSampleMs?: number;
  /** `maxEntriesPerApp` bounds the stored SDK logs per app (default 50000 when persisted). */
  logIntake?: { maxEntriesPerApp?: number };
  /** Cloud recording (REST, ZEGO actions, downloads); off without it. */
  recording?: RecordingOptions;
  /** Stream mixing (REST, ZEGO StartMix/StopMix); off without it. */
  mixing?: MixingOptions;
  /**
   * This node's identity (a cluster's nodes set it): then every metric carries it as its `node`
   * label. Unset, the series keep the labels they always had (one node; Prometheus' `instance` tells
   * scrape targets apart). Log lines and the user and stream lists name the node either way
   * (`MiniRtcServer.nodeId`, default `<hostname>-<pid>`).
   */
  nodeId?: string;
  /** Which node holds each session and stream; default: all on {@link nodeId} (one node). */
  nodes?: NodeLocator;
}

/**
 * Everything an operator needs around signaling, composed in one place: the SQLite store, the webhook
 * outbox and dispatcher, the timeline, metrics, and the route plugins of the REST API, the ZEGO-form
 * API, `/metrics` and the console. The server builds one and forwards its events to it.
 */
export class Operations {
  readonly db: Db;
  readonly logStore: LogSink;
  readonly timeline: Timeline;
  readonly outbox: WebhookOutbox;
  readonly metrics: ServerMetrics;
  /** Route plugins of the HTTP pipeline: REST API, ZEGO form, `/metrics`, console. */
  readonly routes: Array<{ plugin: (app: FastifyInstance) => void; prefix?: string }>;
  /** Cloud recording, when configured. */
  readonly recording: RecordingService | undefined;
  /** Stream mixing, when configured. */
  readonly mixing: MixService | undefined;
  readonly #recorder: TimelineRecorder;
  /** Room members on record, for the logout/close webhooks after a crash. */
  readonly #presence: PresenceJournal;
  /** Part of a cluster: no crash-recovery logouts (see the constructor). */
  readonly #clustered: boolean;
  #recovered = false;
  readonly #dispatcher: WebhookDispatch;
  readonly #ownsDb: boolean;
  readonly #stats: MediaStatsProvider;
  readonly #sampleMs: number;
  #sampler: NodeJS.Timeout | null = null;
  #pruner: NodeJS.Timeout | null = null;
  readonly #retentionMs: number;

  constructor(
    server: EventEmitter<ServerEvents> & { readonly connectionCount: number; readonly publicWsUrl: string },
    private readonly core: Signaling,
    private readonly apps: AppStore,
    previewSigner: StreamUrlSigner,
    private readonly log: Logger,
    opts: OperationsOptions,
  ) {
    this.#ownsDb = typeof opts.db !== 'object';
    this.db =
      typeof opts.db === 'object'
        ? opts.db
        : openDatabase(opts.db ?? (opts.dataDir ? join(opts.dataDir, 'minirtc.db') : ':memory:'));
    const pg = opts.postgres;
    this.logStore = pg?.logs ?? new LogStore(this.db, opts.logIntake?.maxEntriesPerApp ?? 50_000);
    this.timeline =
      pg?.timeline ??
      new TimelineStore(this.db, undefined, (err) => this.log.warn({ err }, 'timeline write failed'));
    let dispatcher: (onAttempt: (a: AttemptReport) => void) => WebhookDispatch;
    if (pg) {
      this.outbox = pg.outbox;
      dispatcher = (f) => pg.dispatcher(apps, log, f, opts.webhooks);
    } else {
      const outbox = new Outbox(this.db);
      this.outbox = outbox;
      dispatcher = (f) => new WebhookDispatcher(outbox, apps, log, f, opts.webhooks);
    }
    this.#stats = opts.mediaStats ?? (() => []);
    this.#sampleMs = opts.bitrateSampleMs ?? 10_000;
    this.#retentionMs = opts.webhooks?.retentionMs ?? 7 * 86_400_000;
    this.metrics = createServerMetrics(
      server,
      core,
      () => this.#mediaStats(),
      () => this.outbox.pendingCount(),
      opts.nodeId,
    );
    registerRefusalMetric(this.metrics.registry, opts.refusals ?? (() => []));
    if (opts.mediaMemory) registerGopMemoryMetric(this.metrics.registry, opts.mediaMemory);
    this.#recorder = new TimelineRecorder(this.timeline, log, (appID) => apps.get(appID) !== undefined);
    this.#recorder.attach(server);
    const onAttempt = (a: AttemptReport): void => {
      this.#recorder.webhook(a);
      this.metrics.webhookAttempt(a);
      server.emit('webhookAttempt', {
        id: a.event.id,
        event: a.event.event,
        appID: a.event.appID,
        roomKey: a.event.roomKey,
        attempt: a.event.attempts,
        ok: a.ok,
        final: a.final,
        status: a.status,
        error: a.error,
      });
    };
    this.#dispatcher = dispatcher(onAttempt);
    this.#clustered = opts.clusterApi !== undefined;
    this.#presence = new PresenceJournal(this.db, (appID) => hasCallback(apps.get(appID)));
    // In a cluster a crashed node's members are not over when it restarts: other nodes hold them
    // for the grace window (docs/scaling.md), and the node that ends them reports their logout.
    if (!this.#clustered) this.#presence.attach(server);
    mapServerEvents(
      server,
      apps,
      this.outbox,
      (key) => this.#dispatcher.notify(key),
      (appID, userID) => core.sessions.byUser(appID, userID)?.userName,
    );
    const deps: ApiDeps = {
      ...opts.clusterApi,
      core,
      apps,
      nonces: pg?.nonces ?? new NonceStore(this.db),
      outbox: this.outbox,
      timeline: this.timeline,
      logs: (f) => this.logStore.search(f),
      mediaStats: () => this.#mediaStats(),
      previewUrl: (appID, roomID, streamID) => {
        try {
          return issuePreviewUrl(previewSigner, appID, roomID, streamID);
        } catch {
          return null;
        }
      },
      kickWebhooks: (roomKey) => this.#dispatcher.notify(roomKey),
      apiError: (code) => this.metrics.apiError(code),
      audit: (e) => this.#recorder.record(e),
      signalingUrl: () => server.publicWsUrl,
      nodes: opts.nodes ?? localNodeLocator(opts.nodeId ?? 'local'),
      ...(opts.adminKey ? { adminKey: opts.adminKey } : {}),
      webhookAllowPrivate: opts.webhooks?.allowPrivateDestinations === true,
    };
    const rec = opts.recording
      ? composeRecording(opts.recording, {
          server,
          core,
          apps,
          db: this.db,
          log,
          signer: previewSigner,
          registry: this.metrics.registry,
          webhook: (appID, roomID, event, payload) => {
            const app = apps.get(appID);
            if (!app?.callbackUrl || !app.callbackSecret) return;
            const key = roomKey(appID, roomID);
            this.outbox.enqueue(appID, key, event, { room_id: roomID, ...payload });
            this.#dispatcher.notify(key);
          },
        })
      : undefined;
    this.recording = rec?.service;
    const mix = opts.mixing
      ? composeMixing(opts.mixing, {
          server,
          core,
          log,
          signer: previewSigner,
          registry: this.metrics.registry,
        })
      : undefined;
    this.mixing = mix?.service;
    if (rec && mix) rec.useMixer(mix.service);
    this.routes = [
      {
        plugin: restRoutes(deps, [...(rec?.routes ?? []), ...(mix?.routes ?? [])]),
        prefix: API_PREFIX,
      },
      { plugin: zegoActionRoutes(deps, { ...rec?.actions, ...mix?.actions }) },
      { plugin: metricsRoutes(this.metrics.registry) },
    ];
    if (rec) this.routes.push({ plugin: rec.downloads });
    if (opts.consoleDir) this.routes.push({ plugin: consoleRoutes(opts.consoleDir) });
  }

  /** Starts delivering (resuming whatever the outbox still holds) and sampling bitrates. */
  start(): void {
    if (!this.#recovered && !this.#clustered) {
      this.#recovered = true;
      try {
        const n = this.#presence.recover(this.apps, this.outbox, (key) => this.#dispatcher.notify(key));
        if (n > 0) this.log.warn({ members: n }, 'recovered room members left open by a crash');
      } catch (err) {
        this.log.error({ err }, 'presence recovery failed');
      }
    }
    this.#dispatcher.kick();
    this.recording?.start().catch((err) => this.log.error({ err }, 'recording recovery failed'));
    const prune = (): void => {
      const failed = (err: unknown): void => this.log.warn({ err }, 'webhook outbox prune failed');
      try {
        Promise.resolve(this.outbox.prune(Date.now() - this.#retentionMs)).catch(failed);
      } catch (err) {
        failed(err);
      }
    };
    if (!this.#pruner) {
      prune();
      this.#pruner = setInterval(prune, 3_600_000);
      this.#pruner.unref();
    }
    if (this.#sampleMs > 0 && !this.#sampler) {
      this.#sampler = setInterval(() => this.#sampleBitrates(), this.#sampleMs);
      this.#sampler.unref();
    }
  }

  /** Stops the dispatcher (undelivered events stay queued) and closes the database if it owns it. */
  async close(): Promise<void> {
    if (this.#sampler) clearInterval(this.#sampler);
    if (this.#pruner) clearInterval(this.#pruner);
    this.#sampler = null;
    this.#pruner = null;
    this.mixing?.close();
    await this.recording?.close();
    await this.#dispatcher.close();
    this.metrics.close();
    try {
      this.timeline.flush?.(); // what the batch still holds goes in before the database closes
    } catch (err) {
      this.log.warn({ err }, 'timeline write failed');
    }
    if (this.#ownsDb && this.db.open) this.db.close();
  }

  #mediaStats(): MediaStreamStat[] {
    try {
      return this.#stats();
    } catch (err) {
      this.log.warn({ err }, 'media stats provider failed');
      return [];
    }
  }

  #sampleBitrates(): void {
    for (const s of this.#mediaStats()) {
      if (s.appID === undefined) continue;
      const r = this.core.streams.get(s.appID, s.streamID);
      if (!r?.live) continue;
      this.#recorder.record({
        appID: s.appID,
        roomID: r.roomID,
        userID: r.userID,
        streamID: s.streamID,
        type: 'media.bitrate',
        detail: { bitrate: s.bitrate, players: s.players, bytesIn: s.bytesIn, bytesOut: s.bytesOut },
      });
    }
  }
}

import type { AppStore } from '../app-store.js';
import type { Logger } from '../logger.js';
import { PgTimelineStore } from '../timeline/pg-timeline-store.js';
import type { AttemptReport, WebhookOptions } from '../webhooks/dispatcher.js';
import { PgWebhookDispatcher } from '../webhooks/pg-dispatcher.js';
import { PgOutbox, WEBHOOK_CHANNEL } from '../webhooks/pg-outbox.js';
import { APPS_CHANNEL, PgAppStore } from './pg-app-store.js';
import { type PgPool, openPostgres } from './pg-database.js';
import { PgListener } from './pg-listener.js';
import { PgLogStore } from './pg-log-store.js';
import { PgNonceStore } from './pg-nonce-store.js';

/**
 * The durable stores a group of nodes shares in one PostgreSQL database (`db.url`): apps, the
 * webhook outbox and delivery log, the timeline, SDK logs and the nonces of signed API requests.
 * Node-local state (recordings and their S3 upload queue, the open-presence journal) stays in the
 * node's SQLite file.
 */
export class PgStores {
  private constructor(
    readonly pool: PgPool,
    readonly listener: PgListener,
    readonly apps: PgAppStore,
    readonly outbox: PgOutbox,
    readonly timeline: PgTimelineStore,
    readonly logs: PgLogStore,
    readonly nonces: PgNonceStore,
  ) {}

  /** Connects, migrates, loads the apps and starts listening for other nodes' changes. */
  static async open(url: string, log: Logger, opts: { maxLogsPerApp?: number } = {}): Promise<PgStores> {
    const pool = await openPostgres(url);
    const listener = new PgListener(url, [APPS_CHANNEL, WEBHOOK_CHANNEL]);
    try {
      await listener.start();
      const apps = await PgAppStore.open(pool, listener, log);
      return new PgStores(
        pool,
        listener,
        apps,
        new PgOutbox(pool, log),
        new PgTimelineStore(pool, log),
        new PgLogStore(pool, log, opts.maxLogsPerApp ?? 50_000),
        new PgNonceStore(pool),
      );
    } catch (err) {
      await listener.close();
      await pool.end();
      throw err;
    }
  }

  /** A webhook dispatcher sharing this database's outbox with the other nodes' dispatchers. */
  dispatcher(
    apps: AppStore,
    log: Logger,
    onAttempt: (r: AttemptReport) => void,
    opts?: WebhookOptions,
  ): PgWebhookDispatcher {
    return new PgWebhookDispatcher(this.pool, this.listener, apps, log, onAttempt, opts);
  }

  /** Resolves when PostgreSQL answers (readiness probes); rejects otherwise. */
  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  /** Resolves once every write queued so far is committed. */
  async flush(): Promise<void> {
    await Promise.all([this.apps.flush(), this.outbox.flush(), this.timeline.flush(), this.logs.flush()]);
  }

  /** Commits what is queued (bounded), then disconnects. Close the dispatcher first. */
  async close(): Promise<void> {
    await Promise.all([this.apps.close(), this.outbox.close(), this.timeline.close(), this.logs.close()]);
    await this.listener.close();
    await this.pool.end();
  }
}

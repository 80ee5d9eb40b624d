import { createHash, randomUUID } from 'node:crypto';
import type { DeliveryRecord } from '../api/api-types.js';
import type { Logger } from '../logger.js';
import type { PgPool } from '../store/pg-database.js';
import { PgWriteQueue } from '../store/pg-write-queue.js';
import {
  type DeliveryRow,
  type EventRow,
  type OutboxEvent,
  type WebhookOutbox,
  toDelivery,
  toEvent,
} from './outbox.js';

/** The channel a queued or replayed event is announced on (payload: its ordering key, or empty). */
export const WEBHOOK_CHANNEL = 'minirtc_webhooks';

/** The advisory lock of an ordering key: the first 8 bytes of its SHA-1, as a signed BIGINT. */
export function roomLockKey(roomKey: string): string {
  return createHash('sha1').update(roomKey).digest().readBigInt64BE(0).toString();
}

/**
 * The webhook outbox in PostgreSQL, shared by every node. {@link enqueue} stays synchronous (it runs
 * inside login and logout) and hands the insert to a write queue; the queue commits a node's events
 * in the order they were made.
 *
 * Per-room order across nodes: an event's `seq` is drawn when its row is inserted and becomes visible
 * when its transaction commits, and two nodes' transactions may commit out of `seq` order — then a
 * dispatcher could send seq 11 before seq 10 of the same room appears. So a batch first takes the
 * transaction-scoped advisory lock of every room it writes to (in one global order: no deadlock);
 * within a room, inserts are serialized and `seq` order is commit order.
 */
export class PgOutbox implements WebhookOutbox {
  readonly #writes: PgWriteQueue;
  /** Ordering keys written by the batch being assembled → their events, in call order. */
  #batch = new Map<string, Array<[string, number, string, string, string, number]>>();
  #count = 0;
  #counting = false;
  #countedAt = 0;

  constructor(
    private readonly pool: PgPool,
    private readonly log: Logger,
  ) {
    // One transaction per sealed batch: its locks are taken in order, before any insert.
    this.#writes = new PgWriteQueue(pool, log, 1);
  }

  /** Queues an event (committed a moment later; `seq` is 0 until then). */
  enqueue(appID: number, roomKey: string, event: string, payload: Record<string, unknown>): OutboxEvent {
    const now = Date.now();
    const id = randomUUID();
    const first = this.#batch.size === 0;
    let list = this.#batch.get(roomKey);
    if (!list) {
      list = [];
      this.#batch.set(roomKey, list);
    }
    list.push([id, appID, roomKey, event, JSON.stringify(payload), now]);
    // Everything queued in this tick goes in one transaction, so the locks come before any insert.
    if (first) queueMicrotask(() => this.#seal());
    this.#count++;
    return {
      seq: 0,
      id,
      appID,
      roomKey,
      event,
      payload,
      createdAt: now,
      attempts: 0,
      nextAt: now,
      deliveredAt: null,
      dead: false,
      lastError: null,
    };
  }

  /** Resolves once every event queued so far is committed. */
  flush(): Promise<void> {
    this.#seal();
    return this.#writes.flush();
  }

  #seal(): void {
    if (this.#batch.size === 0) return;
    const batch = this.#batch;
    this.#batch = new Map();
    const locks = [...new Set([...batch.keys()].map(roomLockKey))].sort();
    this.#writes.push(async (c) => {
      for (const k of locks) await c.query('SELECT pg_advisory_xact_lock($1::bigint)', [k]);
      for (const rows of batch.values()) {
        for (const r of rows) {
          await c.query(
            `INSERT INTO webhook_events (id, app_id, room_key, event, payload, created_at, next_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (id) DO NOTHING`,
            r,
          );
        }
        // Delivered with the commit: dispatchers on every node look at this room.
        await c.query('SELECT pg_notify($1, $2)', [WEBHOOK_CHANNEL, rows[0]?.[2] ?? '']);
      }
    });
  }

  /** Events not yet delivered, as last counted (refreshed in the background; for `/metrics`). */
  pendingCount(): number {
    if (!this.#counting && Date.now() - this.#countedAt > 1000) {
      this.#counting = true;
      this.pool
        .query<{ n: number }>(
          'SELECT COUNT(*)::bigint AS n FROM webhook_events WHERE delivered_at IS NULL AND dead = 0',
        )
        .then((r) => {
          this.#count = Number(r.rows[0]?.n ?? 0) + this.#writes.pending;
          this.#countedAt = Date.now();
        })
        .catch((err) => this.log.debug({ err: String(err) }, 'webhook pending count failed'))
        .finally(() => {
          this.#counting = false;
        });
    }
    return this.#count;
  }

  /** Queues events of an app again (same ids), by id or creation time range; returns the ids. */
  async replay(appID: number, sel: { eventIds?: string[]; from?: number; to?: number }): Promise<string[]> {
    if (sel.eventIds?.length === 0) return [];
    await this.flush();
    const r = await this.pool.query<{ id: string; seq: number }>(
      `UPDATE webhook_events SET delivered_at = NULL, dead = 0, next_at = $1
       WHERE app_id = $2 AND ($3::text[] IS NULL OR id = ANY($3)) AND created_at >= $4 AND created_at <= $5
       RETURNING id, seq`,
      [Date.now(), appID, sel.eventIds ?? null, sel.from ?? 0, sel.to ?? Number.MAX_SAFE_INTEGER],
    );
    await this.pool.query('SELECT pg_notify($1, $2)', [WEBHOOK_CHANNEL, '']);
    return r.rows.sort((a, b) => a.seq - b.seq).map((x) => x.id);
  }

  /** Forgets finished events and delivery log rows created before `before`; returns how many events went. */
  async prune(before: number): Promise<number> {
    const r = await this.pool.query(
      'DELETE FROM webhook_events WHERE created_at < $1 AND (delivered_at IS NOT NULL OR dead = 1)',
      [before],
    );
    await this.pool.query('DELETE FROM webhook_deliveries WHERE at < $1', [before]);
    return r.rowCount ?? 0;
  }

  /** One event by id. */
  async get(id: string): Promise<OutboxEvent | undefined> {
    await this.flush();
    const r = await this.pool.query<EventRow>('SELECT * FROM webhook_events WHERE id = $1', [id]);
    return r.rows[0] ? toEvent(r.rows[0]) : undefined;
  }

  /** Events of an app, newest last, optionally within a creation time range. */
  async events(
    appID: number,
    q: { from?: number; to?: number; limit?: number } = {},
  ): Promise<OutboxEvent[]> {
    await this.flush();
    const r = await this.pool.query<EventRow>(
      `SELECT * FROM webhook_events WHERE app_id = $1 AND created_at >= $2 AND created_at <= $3
       ORDER BY seq DESC LIMIT $4`,
      [appID, q.from ?? 0, q.to ?? Number.MAX_SAFE_INTEGER, Math.min(q.limit ?? 200, 5000)],
    );
    return r.rows.reverse().map(toEvent);
  }

  /** The delivery log of an app: by event id, or within a time range; oldest first. */
  async deliveries(
    appID: number,
    q: { eventId?: string; from?: number; to?: number; limit?: number } = {},
  ): Promise<DeliveryRecord[]> {
    const r = await this.pool.query<DeliveryRow>(
      `SELECT * FROM webhook_deliveries WHERE app_id = $1 AND at >= $2 AND at <= $3
       AND ($4::text IS NULL OR event_id = $4) ORDER BY id DESC LIMIT $5`,
      [
        appID,
        q.from ?? 0,
        q.to ?? Number.MAX_SAFE_INTEGER,
        q.eventId ?? null,
        Math.min(q.limit ?? 500, 5000),
      ],
    );
    return r.rows.reverse().map(toDelivery);
  }

  /** Commits what is queued (bounded wait) and stops writing. */
  async close(): Promise<void> {
    this.#seal();
    await this.#writes.close();
  }
}

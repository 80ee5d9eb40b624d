import type pg from 'pg';
import type { AppStore } from '../app-store.js';
import type { Logger } from '../logger.js';
import type { PgPool } from '../store/pg-database.js';
import type { PgListener } from '../store/pg-listener.js';
import {
  type DeliverySettings,
  type WebhookOptions,
  attemptDelivery,
  callbackApp,
  deliverySettings,
} from './attempt.js';
import type { AttemptReport, WebhookDispatch } from './dispatcher.js';
import { type EventRow, type OutboxEvent, toEvent } from './outbox.js';
import { WEBHOOK_CHANNEL } from './pg-outbox.js';

/**
 * Claims the oldest sendable head event: the room's oldest undelivered event, due, and not locked by
 * another attempt. SKIP LOCKED passes over rooms whose head is in flight anywhere; the head test keeps
 * a room's later events back until its head is settled. The row's own columns are repeated so that a
 * head settled by another node after this statement's snapshot fails the re-check on the new version.
 */
const CLAIM = `SELECT * FROM webhook_events e
  WHERE e.delivered_at IS NULL AND e.dead = 0 AND e.next_at <= $1
    AND e.seq = (SELECT MIN(h.seq) FROM webhook_events h
                 WHERE h.room_key = e.room_key AND h.delivered_at IS NULL AND h.dead = 0)
  ORDER BY e.seq LIMIT 1
  FOR UPDATE SKIP LOCKED`;

/** Writes an attempt to the delivery log; the event's UPDATE follows in the same statement. */
const LOG_ATTEMPT = `WITH logged AS (
  INSERT INTO webhook_deliveries (event_id, app_id, event, attempt, at, url, status, error, duration_ms, room_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10))`;

/** When the next failed head becomes due (retries wake nobody else). */
const NEXT_DUE = `SELECT MIN(next_at) AS at FROM webhook_events
  WHERE delivered_at IS NULL AND dead = 0 AND next_at > $1`;

/**
 * The webhook dispatcher of a node sharing a PostgreSQL outbox with other nodes. Every node runs one;
 * they split the work without a leader:
 *
 * - an attempt runs inside a transaction that holds the event's row lock (`FOR UPDATE SKIP LOCKED`)
 *   from the claim to the write of its outcome, so no other node sends that event meanwhile, and a
 *   room's next event is not a head (not claimable) until this one is settled: once, in order;
 * - a node that dies mid-attempt drops its connection, PostgreSQL releases the lock, and another node
 *   sends that event again: the one duplicate is the attempt that was in flight (receivers deduplicate
 *   by id). A node that hangs instead is cut off by `idle_in_transaction_session_timeout`;
 * - nodes learn of new events by LISTEN/NOTIFY (sent with the insert's commit), of due retries by a
 *   timer, and look again every `pollMs` whatever happens, in case a notification was lost.
 *
 * The cost: one pooled connection per attempt in flight (`concurrency`).
 */
export class PgWebhookDispatcher implements WebhookDispatch {
  /** Claim-and-send loops running now (at most `concurrency`): each holds one attempt at a time. */
  readonly #workers = new Set<Promise<void>>();
  /** Counts kicks, so a loop that found nothing can tell whether something arrived meanwhile. */
  #kicks = 0;
  readonly #abort = new AbortController();
  readonly #settings: DeliverySettings;
  readonly #pollMs: number;
  #scheduled = false;
  #timer: NodeJS.Timeout | null = null;
  #poller: NodeJS.Timeout | null = null;
  #closed = false;
  readonly #onNotify = (channel: string): void => {
    if (channel === WEBHOOK_CHANNEL) this.kick();
  };
  readonly #onConnected = (): void => this.kick();

  constructor(
    private readonly pool: PgPool,
    private readonly listener: PgListener,
    private readonly apps: AppStore,
    private readonly log: Logger,
    private readonly onAttempt: (r: AttemptReport) => void,
    opts: WebhookOptions & { pollMs?: number } = {},
  ) {
    this.#settings = deliverySettings(opts, this.#abort.signal, this.log);
    this.#pollMs = opts.pollMs ?? 5000;
    listener.on('notify', this.#onNotify);
    listener.on('connected', this.#onConnected);
  }

  /** Claim-and-send loops running on this node (attempts in flight, at most). */
  get inflight(): number {
    return this.#workers.size;
  }

  /** Events were queued or replayed (here or on another node): look soon. */
  notify(_roomKey?: string): void {
    this.kick();
  }

  /** Something may be ready to send: look soon (coalesced). */
  kick(): void {
    if (this.#closed) return;
    this.#kicks++;
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#spawn();
    });
    if (!this.#poller) {
      this.#poller = setInterval(() => this.kick(), this.#pollMs);
      this.#poller.unref();
    }
  }

  /** Delay before attempt `n + 1` after `n` failures. */
  backoff(failures: number): number {
    return this.#settings.backoff(failures);
  }

  /** Stops sending: attempts in flight are aborted and rolled back, so their events stay queued. */
  async close(): Promise<void> {
    this.#closed = true;
    this.listener.off('notify', this.#onNotify);
    this.listener.off('connected', this.#onConnected);
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#poller) clearInterval(this.#poller);
    this.#abort.abort();
    await Promise.all(this.#workers);
  }

  /**
   * Starts one more claim-and-send loop, unless `concurrency` run already. A loop that claims an event
   * starts the next one before sending, so a backlog ramps up to `concurrency` parallel claims and an
   * idle node costs one claim query per wake-up.
   */
  #spawn(): void {
    if (this.#closed || this.#workers.size >= this.#settings.concurrency) return;
    const w: Promise<void> = this.#work()
      .catch((err) => this.log.warn({ err: String(err) }, 'webhook claim failed'))
      .finally(() => this.#workers.delete(w));
    this.#workers.add(w);
  }

  async #work(): Promise<void> {
    while (!this.#closed) {
      const kicks = this.#kicks;
      const c = await this.pool.connect();
      let e: OutboxEvent | undefined;
      try {
        // One round trip: a node that stops mid-attempt without dying must not hold the room forever.
        await c.query(
          `BEGIN; SET LOCAL idle_in_transaction_session_timeout = ${this.#settings.attempt.timeoutMs + 10_000}`,
        );
        const r = await c.query<EventRow>(CLAIM, [Date.now()]);
        e = r.rows[0] ? toEvent(r.rows[0]) : undefined;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        c.release(true);
        throw err;
      }
      if (!e || this.#closed) {
        await c.query('ROLLBACK').catch(() => {});
        c.release();
        // Woken while this claim ran: what woke us may not have been visible to it.
        if (!this.#closed && this.#kicks !== kicks) continue;
        if (!this.#closed && this.#workers.size === 1) await this.#armRetryTimer();
        return;
      }
      this.#spawn();
      const id = e.id;
      await this.#deliver(c, e).catch((err) =>
        this.log.warn({ err: String(err), id }, 'webhook attempt not recorded'),
      );
    }
  }

  async #armRetryTimer(): Promise<void> {
    const r = await this.pool.query<{ at: number | null }>(NEXT_DUE, [Date.now()]);
    const at = r.rows[0]?.at;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (at === null || at === undefined || this.#closed) return;
    this.#timer = setTimeout(() => this.kick(), Math.max(0, Number(at) - Date.now()));
    this.#timer.unref();
  }

  /** One attempt, inside the claim's transaction; commits its outcome (or rolls back on shutdown). */
  async #deliver(c: pg.PoolClient, e: OutboxEvent): Promise<void> {
    let broken = false;
    try {
      const app = callbackApp(this.apps.get(e.appID));
      if (!app) {
        await c.query('UPDATE webhook_events SET dead = 1, last_error = $1 WHERE seq = $2', [
          'app has no callback URL',
          e.seq,
        ]);
        await c.query('COMMIT');
        return;
      }
      const r = await attemptDelivery(e, app, this.#settings.attempt);
      if (!r) {
        await c.query('ROLLBACK');
        return;
      }
      const dead = !r.ok && e.attempts + 1 >= this.#settings.maxAttempts;
      const logged = [
        e.id,
        e.appID,
        e.event,
        e.attempts + 1,
        r.at,
        r.url,
        r.status,
        r.error,
        Math.round(r.durationMs),
        typeof e.payload.room_id === 'string' ? e.payload.room_id : null,
      ];
      // The delivery log row and the event's new state in one statement (one round trip).
      if (r.ok) {
        await c.query(
          `${LOG_ATTEMPT} UPDATE webhook_events SET attempts = attempts + 1, delivered_at = $11,
          last_error = NULL WHERE seq = $12`,
          [...logged, Date.now(), e.seq],
        );
      } else {
        await c.query(
          `${LOG_ATTEMPT} UPDATE webhook_events SET attempts = attempts + 1, next_at = $11, dead = $12,
           last_error = $13 WHERE seq = $14`,
          [
            ...logged,
            Date.now() + this.backoff(e.attempts + 1),
            dead ? 1 : 0,
            r.error ?? `HTTP ${r.status}`,
            e.seq,
          ],
        );
        this.log.info(
          {
            appID: e.appID,
            event: e.event,
            id: e.id,
            attempt: e.attempts + 1,
            status: r.status,
            error: r.error,
          },
          'webhook failed',
        );
      }
      await c.query('COMMIT');
      this.onAttempt({
        event: { ...e, attempts: e.attempts + 1 },
        url: r.url,
        status: r.status,
        error: r.error,
        durationMs: r.durationMs,
        ok: r.ok,
        final: r.ok || dead,
      });
    } catch (err) {
      broken = true;
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      // A connection that failed mid-transaction is not given back to the pool.
      c.release(broken);
    }
  }
}

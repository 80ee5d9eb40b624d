import { randomUUID } from 'node:crypto';
import type { Db } from '../store/database.js';
import type { DeliveryRecord } from '../api/api-types.js';
export type { DeliveryRecord } from '../api/api-types.js';

/** One queued webhook event. */
export interface OutboxEvent {
  seq: number;
  id: string;
  appID: number;
  /** Events with the same key are delivered one after another, in seq order. */
  roomKey: string;
  event: string;
  /** Business fields (room_id, user_account, …), without the per-attempt signature fields. */
  payload: Record<string, unknown>;
  createdAt: number;
  attempts: number;
  nextAt: number;
  deliveredAt: number | null;
  dead: boolean;
  lastError: string | null;
}

/** A `webhook_events` row (the same shape from SQLite and PostgreSQL). */
export interface EventRow {
  seq: number;
  id: string;
  app_id: number;
  room_key: string;
  event: string;
  payload: string;
  created_at: number;
  attempts: number;
  next_at: number;
  delivered_at: number | null;
  dead: number;
  last_error: string | null;
}

/** A `webhook_deliveries` row. */
export interface DeliveryRow {
  id: number;
  event_id: string;
  app_id: number;
  event: string;
  attempt: number;
  at: number;
  url: string;
  status: number | null;
  error: string | null;
  duration_ms: number;
  room_id: string | null;
}

/** A row as an {@link OutboxEvent}. */
export function toEvent(r: EventRow): OutboxEvent {
  return {
    seq: r.seq,
    id: r.id,
    appID: r.app_id,
    roomKey: r.room_key,
    event: r.event,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    createdAt: r.created_at,
    attempts: r.attempts,
    nextAt: r.next_at,
    deliveredAt: r.delivered_at,
    dead: r.dead !== 0,
    lastError: r.last_error,
  };
}

/** A row as a {@link DeliveryRecord}. */
export function toDelivery(r: DeliveryRow): DeliveryRecord {
  return {
    id: r.id,
    eventId: r.event_id,
    appID: r.app_id,
    event: r.event,
    roomID: r.room_id,
    attempt: r.attempt,
    time: r.at,
    url: r.url,
    status: r.status !== null && r.status >= 200 && r.status < 300 ? 'ok' : 'failed',
    httpStatus: r.status,
    error: r.error,
    durationMs: r.duration_ms,
  };
}

/** A value now (SQLite) or later (PostgreSQL). */
export type Awaitable<T> = T | Promise<T>;

/**
 * What the server, the REST API and crash recovery need of a webhook outbox, whichever database holds
 * it. Queuing is synchronous (it happens inside login and logout); reads may be asynchronous.
 */
export interface WebhookOutbox {
  /** Queues an event; returns it with its unique id. */
  enqueue(appID: number, roomKey: string, event: string, payload: Record<string, unknown>): OutboxEvent;
  /** Number of events not yet delivered (dead ones excluded), as last known. */
  pendingCount(): number;
  /** Queues events again by id or creation time range; returns the ids queued. */
  replay(appID: number, sel: { eventIds?: string[]; from?: number; to?: number }): Awaitable<string[]>;
  /** Forgets finished events and delivery log rows older than `before`. */
  prune(before: number): Awaitable<number>;
  /** One event by id. */
  get(id: string): Awaitable<OutboxEvent | undefined>;
  /** Events of an app, newest last. */
  events(appID: number, q?: { from?: number; to?: number; limit?: number }): Awaitable<OutboxEvent[]>;
  /** The delivery log of an app, oldest first. */
  deliveries(
    appID: number,
    q?: { eventId?: string; from?: number; to?: number; limit?: number },
  ): Awaitable<DeliveryRecord[]>;
}

/**
 * The durable webhook outbox: an event is written here in the same synchronous step as the state
 * change that caused it, and stays until a delivery succeeds. What survives a crash is what the
 * dispatcher resumes with, which is what makes delivery at-least-once.
 */
export class Outbox implements WebhookOutbox {
  readonly #insert;
  readonly #head;

  constructor(private readonly db: Db) {
    // Prepared once: enqueue runs inside login/logout, on the event loop.
    this.#insert = db.prepare(
      `INSERT INTO webhook_events (id, app_id, room_key, event, payload, created_at, next_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#head = db.prepare(
      'SELECT * FROM webhook_events WHERE room_key = ? AND delivered_at IS NULL AND dead = 0 ORDER BY seq LIMIT 1',
    );
  }

  /** The oldest undelivered event of one ordering key (an index seek). */
  head(roomKey: string): OutboxEvent | undefined {
    const r = this.#head.get(roomKey) as EventRow | undefined;
    return r ? toEvent(r) : undefined;
  }

  /** Queues an event; returns it with its unique id. */
  enqueue(appID: number, roomKey: string, event: string, payload: Record<string, unknown>): OutboxEvent {
    const now = Date.now();
    const id = randomUUID();
    const info = this.#insert.run(id, appID, roomKey, event, JSON.stringify(payload), now, now);
    return {
      seq: Number(info.lastInsertRowid),
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

  /** The oldest undelivered event of every ordering key: the only ones that may be sent now. */
  heads(): OutboxEvent[] {
    const rows = this.db
      .prepare(
        `SELECT e.* FROM webhook_events e
         JOIN (SELECT MIN(seq) AS seq FROM webhook_events WHERE delivered_at IS NULL AND dead = 0 GROUP BY room_key) h
         ON e.seq = h.seq`,
      )
      .all() as EventRow[];
    return rows.map(toEvent);
  }

  /** Number of events not yet delivered (dead ones excluded). */
  pendingCount(): number {
    return (
      this.db
        .prepare('SELECT COUNT(*) AS n FROM webhook_events WHERE delivered_at IS NULL AND dead = 0')
        .get() as { n: number }
    ).n;
  }

  /** Logs an attempt and moves the event on: delivered, retried at `nextAt`, or dead. */
  recordAttempt(
    e: OutboxEvent,
    a: { at: number; url: string; status: number | null; error: string | null; durationMs: number },
    outcome: { delivered: true } | { delivered: false; nextAt: number; dead: boolean },
  ): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO webhook_deliveries (event_id, app_id, event, attempt, at, url, status, error, duration_ms, room_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          e.id,
          e.appID,
          e.event,
          e.attempts + 1,
          a.at,
          a.url,
          a.status,
          a.error,
          Math.round(a.durationMs),
          typeof e.payload.room_id === 'string' ? e.payload.room_id : null,
        );
      if (outcome.delivered) {
        this.db
          .prepare(
            'UPDATE webhook_events SET attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE seq = ?',
          )
          .run(Date.now(), e.seq);
      } else {
        this.db
          .prepare(
            'UPDATE webhook_events SET attempts = attempts + 1, next_at = ?, dead = ?, last_error = ? WHERE seq = ?',
          )
          .run(outcome.nextAt, outcome.dead ? 1 : 0, a.error ?? `HTTP ${a.status}`, e.seq);
      }
    })();
  }

  /** Marks an event given up without an attempt (its app or callback URL is gone). */
  drop(e: OutboxEvent, why: string): void {
    this.db.prepare('UPDATE webhook_events SET dead = 1, last_error = ? WHERE seq = ?').run(why, e.seq);
  }

  /**
   * Queues events of an app again for immediate delivery, by id or by creation time range: they are
   * re-sent with their original ids (receivers deduplicate by id). Returns the ids queued.
   */
  replay(appID: number, sel: { eventIds?: string[]; from?: number; to?: number }): string[] {
    const where = ['app_id = ?'];
    const args: (string | number)[] = [appID];
    if (sel.eventIds) {
      if (sel.eventIds.length === 0) return [];
      where.push(`id IN (${sel.eventIds.map(() => '?').join(',')})`);
      args.push(...sel.eventIds);
    }
    if (sel.from !== undefined) {
      where.push('created_at >= ?');
      args.push(sel.from);
    }
    if (sel.to !== undefined) {
      where.push('created_at <= ?');
      args.push(sel.to);
    }
    const cond = where.join(' AND ');
    return this.db.transaction(() => {
      const ids = (
        this.db.prepare(`SELECT id FROM webhook_events WHERE ${cond} ORDER BY seq`).all(...args) as {
          id: string;
        }[]
      ).map((r) => r.id);
      this.db
        .prepare(`UPDATE webhook_events SET delivered_at = NULL, dead = 0, next_at = ? WHERE ${cond}`)
        .run(Date.now(), ...args);
      return ids;
    })();
  }

  /**
   * Forgets finished events (delivered or dead) created before `before`, and delivery log rows older
   * than it; pending events are kept whatever their age. Returns how many events went.
   */
  prune(before: number): number {
    return this.db.transaction(() => {
      const n = this.db
        .prepare('DELETE FROM webhook_events WHERE created_at < ? AND (delivered_at IS NOT NULL OR dead = 1)')
        .run(before).changes;
      this.db.prepare('DELETE FROM webhook_deliveries WHERE at < ?').run(before);
      return n;
    })();
  }

  /** One event by id. */
  get(id: string): OutboxEvent | undefined {
    const r = this.db.prepare('SELECT * FROM webhook_events WHERE id = ?').get(id) as EventRow | undefined;
    return r ? toEvent(r) : undefined;
  }

  /** Events of an app, newest last, optionally within a creation time range. */
  events(appID: number, q: { from?: number; to?: number; limit?: number } = {}): OutboxEvent[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM webhook_events WHERE app_id = ? AND created_at >= ? AND created_at <= ?
         ORDER BY seq DESC LIMIT ?`,
      )
      .all(appID, q.from ?? 0, q.to ?? Number.MAX_SAFE_INTEGER, Math.min(q.limit ?? 200, 5000)) as EventRow[];
    return rows.reverse().map(toEvent);
  }

  /** The delivery log of an app: by event id, or within a time range; oldest first. */
  deliveries(
    appID: number,
    q: { eventId?: string; from?: number; to?: number; limit?: number } = {},
  ): DeliveryRecord[] {
    const where = ['app_id = ?', 'at >= ?', 'at <= ?'];
    const args: (string | number)[] = [appID, q.from ?? 0, q.to ?? Number.MAX_SAFE_INTEGER];
    if (q.eventId !== undefined) {
      where.push('event_id = ?');
      args.push(q.eventId);
    }
    const rows = this.db
      .prepare(`SELECT * FROM webhook_deliveries WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`)
      .all(...args, Math.min(q.limit ?? 500, 5000)) as DeliveryRow[];
    return rows.reverse().map(toDelivery);
  }
}

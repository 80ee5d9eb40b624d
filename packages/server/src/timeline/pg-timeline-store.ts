import type { Logger } from '../logger.js';
import type { PgPool } from '../store/pg-database.js';
import { PgWriteQueue } from '../store/pg-write-queue.js';
import {
  type Timeline,
  type TimelineEntry,
  type TimelineInput,
  type TimelineQuery,
  type TimelineRow,
  toEntry,
} from './timeline-store.js';

/** How many handles of recent entries are remembered for {@link PgTimelineStore.updateDetail}. */
const HANDLES = 4096;

/**
 * The call timeline in PostgreSQL, shared by every node; bounded to the newest `maxRows` entries.
 * Recording is synchronous for the recorders and written through a queue, so {@link record} returns
 * a handle of this process rather than the row's `seq` (known only once inserted); an
 * {@link updateDetail} with that handle is queued behind the insert and finds the row's `seq` there.
 */
export class PgTimelineStore implements Timeline {
  readonly #writes: PgWriteQueue;
  /** Handle → the row's seq, once inserted (the newest {@link HANDLES}). */
  readonly #seqs = new Map<number, number>();
  #next = 0;
  #inserts = 0;

  constructor(
    private readonly pool: PgPool,
    log: Logger,
    private readonly maxRows = 500_000,
  ) {
    this.#writes = new PgWriteQueue(pool, log);
  }

  /** Queues an entry; returns its handle. */
  record(e: TimelineInput): number {
    const handle = ++this.#next;
    const vals = [
      e.appID,
      e.roomID ?? null,
      e.userID ?? null,
      e.streamID ?? null,
      e.time ?? Date.now(),
      e.type,
      e.detail ? JSON.stringify(e.detail) : null,
    ];
    this.#writes.push(async (c) => {
      const r = await c.query<{ seq: number }>(
        `INSERT INTO timeline (app_id, room_id, user_id, stream_id, at, kind, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq`,
        vals,
      );
      this.#seqs.set(handle, r.rows[0]?.seq ?? 0);
      this.#seqs.delete(handle - HANDLES);
    });
    if (++this.#inserts >= 1000) {
      this.#inserts = 0;
      this.#writes.push(async (c) => {
        await c.query('DELETE FROM timeline WHERE seq <= (SELECT MAX(seq) FROM timeline) - $1', [
          this.maxRows,
        ]);
      });
    }
    return handle;
  }

  /** Replaces the detail of the entry recorded with `handle` (an aggregate row counting up). */
  updateDetail(handle: number, detail: Record<string, unknown>): void {
    const json = JSON.stringify(detail);
    this.#writes.push(async (c) => {
      const seq = this.#seqs.get(handle);
      if (seq !== undefined) await c.query('UPDATE timeline SET detail = $1 WHERE seq = $2', [json, seq]);
    });
  }

  /** Keeps at most `keep` entries of `kind` (the oldest go). */
  pruneKind(kind: string, keep: number): void {
    this.#writes.push(async (c) => {
      await c.query(
        `DELETE FROM timeline WHERE kind = $1 AND seq < (
           SELECT seq FROM timeline WHERE kind = $1 ORDER BY seq DESC LIMIT 1 OFFSET $2)`,
        [kind, keep - 1],
      );
    });
  }

  /** Entries of one app (optionally one room and/or user), in order, oldest first. */
  async query(q: TimelineQuery): Promise<TimelineEntry[]> {
    await this.#writes.flush();
    const args: (string | number)[] = [q.appID];
    const where = ['app_id = $1'];
    const add = (sql: string, v: string | number | undefined): void => {
      if (v === undefined) return;
      args.push(v);
      where.push(`${sql} $${args.length}`);
    };
    add('room_id =', q.roomID);
    add('user_id =', q.userID);
    add('seq >', q.afterSeq);
    add('at >=', q.from);
    add('at <=', q.to);
    args.push(Math.max(1, Math.min(q.limit ?? 500, 5000)));
    const r = await this.pool.query<TimelineRow>(
      `SELECT * FROM timeline WHERE ${where.join(' AND ')} ORDER BY seq LIMIT $${args.length}`,
      args,
    );
    return r.rows.map(toEntry);
  }

  /** Resolves once everything recorded so far is committed. */
  flush(): Promise<void> {
    return this.#writes.flush();
  }

  /** Commits what is queued (bounded wait). */
  close(): Promise<void> {
    return this.#writes.close();
  }
}

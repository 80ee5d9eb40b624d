import type { LogEntry, LogFilter, LogSink } from '../http/log-intake.js';
import type { Logger } from '../logger.js';
import type { PgPool } from './pg-database.js';
import { PgWriteQueue } from './pg-write-queue.js';
import { type LogRow, toLogEntry } from './log-store.js';

/**
 * SDK remote logs in PostgreSQL, shared by every node; bounded per app (the newest `maxPerApp`) and
 * overall (`maxRows`) like the SQLite store: anyone may post logs. Written through a queue (the
 * intake answers without waiting for the database); a search first waits for what is queued.
 */
export class PgLogStore implements LogSink {
  readonly #writes: PgWriteQueue;
  readonly #sincePrune = new Map<number, number>();
  #inserts = 0;

  constructor(
    private readonly pool: PgPool,
    log: Logger,
    private readonly maxPerApp = 50_000,
    private readonly maxRows = 500_000,
  ) {
    this.#writes = new PgWriteQueue(pool, log);
  }

  /** Queues a batch (one multi-row insert). */
  add(entries: LogEntry[]): void {
    if (entries.length === 0) return;
    const vals: unknown[] = [];
    const rows: string[] = [];
    for (const e of entries) {
      const b = vals.length;
      rows.push(`($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8})`);
      vals.push(
        e.appID,
        e.roomID ?? null,
        e.userID ?? null,
        e.level,
        Math.round(e.time),
        e.receivedAt,
        e.message,
        e.data ? JSON.stringify(e.data) : null,
      );
    }
    this.#writes.push(async (c) => {
      await c.query(
        `INSERT INTO sdk_logs (app_id, room_id, user_id, level, time, received_at, message, data)
         VALUES ${rows.join(', ')}`,
        vals,
      );
    });
    for (const appID of new Set(entries.map((e) => e.appID))) {
      const n = (this.#sincePrune.get(appID) ?? 0) + entries.filter((e) => e.appID === appID).length;
      if (n < Math.min(1000, this.maxPerApp)) {
        this.#sincePrune.set(appID, n);
        continue;
      }
      this.#sincePrune.set(appID, 0);
      this.#writes.push(async (c) => {
        await c.query(
          `DELETE FROM sdk_logs WHERE app_id = $1 AND id <= (
             SELECT id FROM sdk_logs WHERE app_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`,
          [appID, this.maxPerApp],
        );
      });
    }
    this.#inserts += entries.length;
    if (this.#inserts >= 1000) {
      this.#inserts = 0;
      this.#writes.push(async (c) => {
        await c.query('DELETE FROM sdk_logs WHERE id <= (SELECT MAX(id) FROM sdk_logs) - $1', [this.maxRows]);
      });
    }
  }

  /** Entries matching `filter`, oldest first, at most `limit` (the newest ones, default 200). */
  async search(filter: LogFilter = {}): Promise<LogEntry[]> {
    await this.#writes.flush();
    const where: string[] = [];
    const args: (string | number)[] = [];
    const eq = (col: string, v: string | number | undefined): void => {
      if (v === undefined) return;
      args.push(v);
      where.push(`${col} = $${args.length}`);
    };
    eq('app_id', filter.appID);
    eq('room_id', filter.roomID);
    eq('user_id', filter.userID);
    eq('level', filter.level);
    if (filter.since !== undefined) {
      args.push(filter.since);
      where.push(`received_at >= $${args.length}`);
    }
    if (filter.contains !== undefined && filter.contains !== '') {
      // strpos, not LIKE: the search text is matched literally (no % or _ wildcards), case-sensitive.
      args.push(filter.contains);
      where.push(`(strpos(message, $${args.length}) > 0 OR strpos(COALESCE(data, ''), $${args.length}) > 0)`);
    }
    args.push(Math.max(1, Math.min(filter.limit ?? 200, 5000)));
    const r = await this.pool.query<LogRow>(
      `SELECT * FROM sdk_logs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.length}`,
      args,
    );
    return r.rows.reverse().map(toLogEntry);
  }

  /** Resolves once every batch added so far is committed. */
  flush(): Promise<void> {
    return this.#writes.flush();
  }

  /** Commits what is queued (bounded wait). */
  close(): Promise<void> {
    return this.#writes.close();
  }
}

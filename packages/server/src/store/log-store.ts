import type { LogEntry, LogFilter, LogSink } from '../http/log-intake.js';
import { type Db, pruneOldest } from './database.js';

/** An `sdk_logs` row (the same shape from SQLite and PostgreSQL). */
export interface LogRow {
  id: number;
  app_id: number;
  room_id: string | null;
  user_id: string | null;
  level: string;
  time: number;
  received_at: number;
  message: string;
  data: string | null;
}

/**
 * SDK remote logs in SQLite, searchable by app, room, user, level and text. Bounded per app (the
 * newest `maxPerApp` stay) and overall (`maxRows`): anyone may post logs, so the table must not grow
 * without end.
 */
export class LogStore implements LogSink {
  #inserts = 0;
  /** Inserts per app since its last prune: pruning walks `maxPerApp` index entries, so not every batch. */
  readonly #sincePrune = new Map<number, number>();
  readonly #insert;

  constructor(
    private readonly db: Db,
    private readonly maxPerApp = 50_000,
    private readonly maxRows = 500_000,
  ) {
    this.#insert = db.prepare(
      `INSERT INTO sdk_logs (app_id, room_id, user_id, level, time, received_at, message, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Stores a batch in one transaction. */
  add(entries: LogEntry[]): void {
    if (entries.length === 0) return;
    this.db.transaction(() => {
      for (const e of entries) {
        this.#insert.run(
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
      for (const appID of new Set(entries.map((e) => e.appID))) {
        const n = (this.#sincePrune.get(appID) ?? 0) + entries.filter((e) => e.appID === appID).length;
        // Over by at most min(1000, maxPerApp) rows between prunes.
        if (n < Math.min(1000, this.maxPerApp)) {
          this.#sincePrune.set(appID, n);
          continue;
        }
        this.#sincePrune.set(appID, 0);
        this.db
          .prepare(
            `DELETE FROM sdk_logs WHERE app_id = ? AND id <= (
               SELECT id FROM sdk_logs WHERE app_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
          )
          .run(appID, appID, this.maxPerApp);
      }
    })();
    this.#inserts += entries.length;
    if (this.#inserts >= 1000) {
      this.#inserts = 0;
      pruneOldest(this.db, 'sdk_logs', 'id', this.maxRows);
    }
  }

  /** Entries matching `filter`, oldest first, at most `limit` (the newest ones, default 200). */
  search(filter: LogFilter = {}): LogEntry[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const eq = (col: string, v: string | number | undefined): void => {
      if (v === undefined) return;
      where.push(`${col} = ?`);
      args.push(v);
    };
    eq('app_id', filter.appID);
    eq('room_id', filter.roomID);
    eq('user_id', filter.userID);
    eq('level', filter.level);
    if (filter.since !== undefined) {
      where.push('received_at >= ?');
      args.push(filter.since);
    }
    if (filter.contains !== undefined && filter.contains !== '') {
      // instr, not LIKE: the search text is matched literally (no % or _ wildcards), case-sensitive.
      where.push("(instr(message, ?) > 0 OR instr(COALESCE(data, ''), ?) > 0)");
      args.push(filter.contains, filter.contains);
    }
    const limit = Math.max(1, Math.min(filter.limit ?? 200, 5000));
    const sql = `SELECT * FROM sdk_logs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, limit) as LogRow[];
    return rows.reverse().map(toLogEntry);
  }
}

/** A row as a {@link LogEntry}. */
export function toLogEntry(r: LogRow): LogEntry {
  const e: LogEntry = {
    appID: r.app_id,
    level: r.level,
    time: r.time,
    message: r.message,
    receivedAt: r.received_at,
  };
  if (r.user_id !== null) e.userID = r.user_id;
  if (r.room_id !== null) e.roomID = r.room_id;
  if (r.data !== null) e.data = JSON.parse(r.data) as Record<string, unknown>;
  return e;
}

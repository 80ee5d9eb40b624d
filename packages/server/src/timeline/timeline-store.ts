import { type Db, pruneOldest } from '../store/database.js';
import { SqliteBatch } from '../store/sqlite-batch.js';
import type { TimelineEntry } from '../api/api-types.js';
export type { TimelineEntry } from '../api/api-types.js';

/** What a recorder writes (seq and time are assigned here). */
export type TimelineInput = Omit<TimelineEntry, 'seq' | 'time'> & { time?: number };

/** Filter of {@link TimelineStore.query}. */
export interface TimelineQuery {
  appID: number;
  roomID?: string;
  userID?: string;
  /** Only entries with seq greater than this (paging, live tailing). */
  afterSeq?: number;
  /** ms since epoch, inclusive. */
  from?: number;
  to?: number;
  /** Default 500, at most 5000. */
  limit?: number;
}

/** What the recorders and the REST API need of the timeline, whichever database holds it. */
export interface Timeline {
  /** Appends an entry; returns a handle {@link updateDetail} accepts. */
  record(e: TimelineInput): number;
  /** Replaces the detail of an entry recorded earlier. */
  updateDetail(seq: number, detail: Record<string, unknown>): void;
  /** Keeps at most `keep` entries of `kind`. */
  pruneKind(kind: string, keep: number): void;
  /** Entries of one app, in order, oldest first. */
  query(q: TimelineQuery): TimelineEntry[] | Promise<TimelineEntry[]>;
  /** Writes what is still queued, now (before the database closes). */
  flush?(): void;
}

/** A `timeline` row (the same shape from SQLite and PostgreSQL). */
export interface TimelineRow {
  seq: number;
  app_id: number;
  room_id: string | null;
  user_id: string | null;
  stream_id: string | null;
  at: number;
  kind: string;
  detail: string | null;
}

/** How many handles of recent entries are remembered for {@link TimelineStore.updateDetail}. */
const HANDLES = 4096;

/**
 * The call timeline in SQLite: append-only, bounded to the newest `maxRows` entries.
 *
 * Entries are written in batches ({@link SqliteBatch}: one transaction per 10 ms or 256 writes), not
 * with a commit each. So, as with PostgreSQL, {@link record} returns a handle rather than the row's
 * `seq`; every read and update writes the batch first, so what was recorded is always what is read.
 * The price: entries of the last few ms before a crash (not a clean stop, which flushes) can be lost.
 */
export class TimelineStore implements Timeline {
  #inserts = 0;
  readonly #insert;
  readonly #batch: SqliteBatch;
  #next = 0;
  /** Handle → the row's seq, once written (the newest {@link HANDLES}). */
  readonly #seqs = new Map<number, number>();

  /**
   * @param onError told when a batch written on its own fails (the batch is dropped; see
   *   {@link SqliteBatch}).
   */
  constructor(
    private readonly db: Db,
    private readonly maxRows = 500_000,
    onError: (err: unknown) => void = () => {},
  ) {
    this.#insert = db.prepare(
      'INSERT INTO timeline (app_id, room_id, user_id, stream_id, at, kind, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.#batch = new SqliteBatch(db, onError);
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
    this.#batch.add(() => {
      this.#seqs.set(handle, Number(this.#insert.run(...vals).lastInsertRowid));
      this.#seqs.delete(handle - HANDLES);
    });
    if (++this.#inserts >= 1000) {
      this.#inserts = 0;
      this.#batch.add(() => pruneOldest(this.db, 'timeline', 'seq', this.maxRows));
    }
    return handle;
  }

  /** Writes the queued entries now. */
  flush(): void {
    this.#batch.flush();
  }

  /** Replaces the detail of the entry recorded with `handle` (an aggregate row counting up). */
  updateDetail(handle: number, detail: Record<string, unknown>): void {
    this.flush();
    const seq = this.#seqs.get(handle);
    if (seq === undefined) return;
    this.db.prepare('UPDATE timeline SET detail = ? WHERE seq = ?').run(JSON.stringify(detail), seq);
  }

  /**
   * Keeps at most `keep` entries of `kind` (the oldest go): aggregated failed logins get a share of
   * their own, so however many an attacker causes, they never push call history out.
   */
  pruneKind(kind: string, keep: number): void {
    this.flush();
    this.db
      .prepare(
        'DELETE FROM timeline WHERE kind = ? AND seq < (SELECT seq FROM timeline WHERE kind = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)',
      )
      .run(kind, kind, keep - 1);
  }

  /** Entries of one app (optionally one room and/or user), in order, oldest first. */
  query(q: TimelineQuery): TimelineEntry[] {
    this.flush();
    const where = ['app_id = ?'];
    const args: (string | number)[] = [q.appID];
    if (q.roomID !== undefined) {
      where.push('room_id = ?');
      args.push(q.roomID);
    }
    if (q.userID !== undefined) {
      where.push('user_id = ?');
      args.push(q.userID);
    }
    if (q.afterSeq !== undefined) {
      where.push('seq > ?');
      args.push(q.afterSeq);
    }
    if (q.from !== undefined) {
      where.push('at >= ?');
      args.push(q.from);
    }
    if (q.to !== undefined) {
      where.push('at <= ?');
      args.push(q.to);
    }
    const limit = Math.max(1, Math.min(q.limit ?? 500, 5000));
    const rows = this.db
      .prepare(`SELECT * FROM timeline WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`)
      .all(...args, limit) as TimelineRow[];
    return rows.map(toEntry);
  }
}

/** A row as a {@link TimelineEntry}. */
export function toEntry(r: TimelineRow): TimelineEntry {
  return {
    seq: r.seq,
    appID: r.app_id,
    ...(r.room_id !== null ? { roomID: r.room_id } : {}),
    ...(r.user_id !== null ? { userID: r.user_id } : {}),
    ...(r.stream_id !== null ? { streamID: r.stream_id } : {}),
    time: r.at,
    type: r.kind,
    ...(r.detail !== null ? { detail: JSON.parse(r.detail) as Record<string, unknown> } : {}),
  };
}

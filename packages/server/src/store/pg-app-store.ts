import { EventEmitter } from 'node:events';
import type { Logger } from '../logger.js';
import type { PgPool } from './pg-database.js';
import type { PgListener } from './pg-listener.js';
import { PgWriteQueue } from './pg-write-queue.js';
import { APP_COLUMNS, type AppRow, CachedAppStore, toRecord } from './sqlite-app-store.js';

/** The channel an app change is announced on (payload: the AppID). */
export const APPS_CHANNEL = 'minirtc_apps';

/**
 * Apps in PostgreSQL, shared by every node. Logins read them synchronously, so each node holds all
 * apps in memory (loaded at start), writes through a queue, and announces each change with NOTIFY in
 * the same transaction; every node (this one included) then reloads that app's row. After the
 * listening connection comes back, all apps are reloaded: changes announced meanwhile were missed.
 *
 * A change made on one node reaches the others a few milliseconds later; two nodes creating the same
 * explicit AppID at the same moment: the second insert is refused, and its node reloads the row.
 */
export class PgAppStore extends CachedAppStore {
  /** `reloaded` after the cache took in a change from the database (an AppID, or none: all apps). */
  readonly changes = new EventEmitter<{ reloaded: [appID?: number] }>();
  readonly #writes: PgWriteQueue;
  /** Local changes so far: a reload that raced one of them is discarded (its own NOTIFY follows). */
  readonly #local: { changes: number };

  private constructor(
    private readonly pool: PgPool,
    rows: AppRow[],
    writes: PgWriteQueue,
    private readonly log: Logger,
  ) {
    const local = { changes: 0 };
    const announce = async (c: { query: PgPool['query'] }, appID: number): Promise<void> => {
      await c.query('SELECT pg_notify($1, $2)', [APPS_CHANNEL, String(appID)]);
    };
    super(rows, {
      insert: (row) => {
        local.changes++;
        writes.push(async (c) => {
          await c.query(
            `INSERT INTO apps (app_id, server_secret, callback_secret, name, callback_url, max_room_members, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)`,
            [
              row.app_id,
              row.server_secret,
              row.callback_secret,
              row.name,
              row.callback_url,
              row.max_room_members,
              row.created_at,
            ],
          );
          await announce(c, row.app_id);
        });
      },
      set: (appID, cols) => {
        const names = Object.keys(cols).filter((k) => APP_COLUMNS.has(k));
        const vals = names.map((k) => cols[k as keyof typeof cols] ?? null);
        local.changes++;
        writes.push(async (c) => {
          await c.query(
            `UPDATE apps SET ${names.map((k, i) => `${k} = $${i + 1}`).join(', ')} WHERE app_id = $${names.length + 1}`,
            [...vals, appID],
          );
          await announce(c, appID);
        });
      },
      remove: (appID) => {
        local.changes++;
        writes.push(async (c) => {
          await c.query('DELETE FROM apps WHERE app_id = $1', [appID]);
          await announce(c, appID);
        });
      },
    });
    this.#writes = writes;
    this.#local = local;
  }

  /** Loads every app and follows changes made by any node. */
  static async open(pool: PgPool, listener: PgListener, log: Logger): Promise<PgAppStore> {
    const rows = (await pool.query<AppRow>('SELECT * FROM apps')).rows;
    const store = new PgAppStore(pool, rows, new PgWriteQueue(pool, log, 1), log);
    listener.on('notify', (channel, payload) => {
      if (channel === APPS_CHANNEL) void store.reload(Number(payload));
    });
    listener.on('connected', () => void store.reload());
    return store;
  }

  /** Reads one app (or, without an AppID, all of them) again from the database. */
  async reload(appID?: number): Promise<void> {
    try {
      // Our own changes are read back once committed; until then the cache holds the newer value.
      await this.#writes.flush();
      const before = this.#local.changes;
      if (appID === undefined) {
        const rows = (await this.pool.query<AppRow>('SELECT * FROM apps')).rows;
        // Changed here meanwhile: the cache is newer than these rows; that change's NOTIFY reloads.
        if (this.#local.changes !== before) return;
        this.cache.clear();
        for (const r of rows) this.cache.set(r.app_id, toRecord(r));
        this.changes.emit('reloaded');
        return;
      }
      if (!Number.isSafeInteger(appID)) return;
      const r = (await this.pool.query<AppRow>('SELECT * FROM apps WHERE app_id = $1', [appID])).rows[0];
      if (this.#local.changes !== before) return;
      if (r) this.cache.set(appID, toRecord(r));
      else this.cache.delete(appID);
      this.changes.emit('reloaded', appID);
    } catch (err) {
      this.log.warn({ err: String(err), appID }, 'app reload failed');
    }
  }

  /** Resolves once every change made here so far is committed. */
  flush(): Promise<void> {
    return this.#writes.flush();
  }

  /** Commits what is queued (bounded wait). */
  close(): Promise<void> {
    return this.#writes.close();
  }
}

import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrationsFor } from './migrations.js';

/** An open better-sqlite3 database. */
export type Db = Database.Database;

/**
 * Opens (creating if needed) the MiniRTC database at `path` (`:memory:` for tests) and brings its
 * schema up to date. WAL mode so readers (the console) never wait on the webhook writer.
 */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true });
    // It holds app secrets: create it owner-only (SQLite gives the WAL files the same mode).
    closeSync(openSync(path, 'a', 0o600));
  }
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode; only an OS crash may lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 2000');
  const version = db.pragma('user_version', { simple: true }) as number;
  const migrations = migrationsFor('sqlite');
  for (let v = version; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return db;
}

/**
 * Keeps a table from growing without end: deletes its oldest rows beyond `keep`. Cheap enough to call
 * every few hundred inserts (the rowid index does the work).
 */
export function pruneOldest(db: Db, table: string, key: string, keep: number): void {
  db.prepare(`DELETE FROM ${table} WHERE ${key} <= (SELECT MAX(${key}) FROM ${table}) - ?`).run(keep);
}

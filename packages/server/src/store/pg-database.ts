import pg from 'pg';
import { migrationsFor } from './migrations.js';

/** A pool of connections to the shared PostgreSQL database. */
export type PgPool = pg.Pool;

/** Any PostgreSQL connection a store can run a query on (the pool or a checked-out client). */
export type PgQueryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/**
 * BIGINT columns as numbers: `pg` hands them out as strings (they may exceed 2^53), but ours hold ms
 * timestamps and row ids, so the rows of both databases have the same shape and share one mapper.
 */
const types = {
  // 20: INT8 (BIGINT).
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 && format !== 'binary'
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/** Advisory lock key held while migrating, so nodes starting together migrate one after another. */
const MIGRATION_LOCK = 0x6d696e69; // 'mini'

/**
 * Connects to PostgreSQL at `url` (`postgresql://user:pass@host:port/db`, or
 * `postgresql://user@/db?host=/socket/dir` for a unix socket) and brings the schema up to date.
 * `max` bounds the pool: the webhook dispatcher holds one connection per attempt in flight.
 */
export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<PgPool> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 16,
    // A stuck query must not hold a login or an API request forever.
    statement_timeout: 15_000,
    connectionTimeoutMillis: 10_000,
    application_name: 'minirtc',
    types,
  });
  // An idle pooled connection that breaks (server restart) must not crash the process.
  pool.on('error', () => {});
  // Nor one that is checked out at that moment (a write batch, a webhook claim): the pool listens
  // only to idle clients, and an 'error' event nobody listens to is an uncaught exception. The
  // failure still reaches the code using the client as its query's rejection.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  try {
    await migrate(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return pool;
}

/**
 * Applies the migrations this database has not seen, each in its own transaction, under an advisory
 * lock: several nodes may start at once against one database.
 */
export async function migrate(pool: PgPool): Promise<number> {
  const c = await pool.connect();
  try {
    await c.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await c.query('CREATE TABLE IF NOT EXISTS minirtc_schema (version INTEGER NOT NULL)');
    const r = await c.query<{ version: number }>('SELECT version FROM minirtc_schema');
    if (r.rowCount === 0) await c.query('INSERT INTO minirtc_schema (version) VALUES (0)');
    const from = r.rows[0]?.version ?? 0;
    const migrations = migrationsFor('pg');
    for (let v = from; v < migrations.length; v++) {
      await c.query('BEGIN');
      try {
        await c.query(migrations[v] as string);
        await c.query('UPDATE minirtc_schema SET version = $1', [v + 1]);
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK');
        throw err;
      }
    }
    return migrations.length - from;
  } finally {
    await c.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    c.release();
  }
}

/** Runs `fn` in a transaction on one pooled connection; rolls back if it throws. */
export async function inTransaction<T>(pool: PgPool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    c.release();
  }
}

import type pg from 'pg';
import type { Logger } from '../logger.js';
import type { PgPool } from './pg-database.js';

/** One queued write; runs inside the batch's transaction. */
export type PgWrite = (c: pg.PoolClient) => Promise<void>;

/** True for errors of the connection rather than of the statement (worth retrying as they are). */
function transient(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  // No SQLSTATE: a socket error. Class 08: connection exception; 57P0x: server shutting down; 40: retry.
  return typeof code !== 'string' || /^(08|57P0|40)/.test(code);
}

/**
 * The write side of the PostgreSQL stores. The server calls its stores synchronously (logins enqueue
 * webhooks, the timeline records as things happen); PostgreSQL answers asynchronously. Writes are
 * queued here in call order and committed in batches, one transaction per batch, so one node's writes
 * reach the database in the order it made them. A connection failure keeps the batch and retries it;
 * a statement that the database refuses is dropped alone (logged), not with its batch-mates.
 *
 * The price of keeping the call sites synchronous: a write is durable a few milliseconds after the
 * call returns, not when it returns; a `kill -9` in that window loses it ({@link flush} waits it out).
 */
export class PgWriteQueue {
  #queue: PgWrite[] = [];
  #running: Promise<void> | null = null;
  #idle: Array<() => void> = [];
  #closed = false;
  #failures = 0;

  constructor(
    private readonly pool: PgPool,
    private readonly log: Logger,
    /** Writes per transaction (1 when each write must be a transaction of its own). */
    private readonly batchSize = 500,
    private readonly maxQueued = 200_000,
  ) {}

  /** Writes queued and not yet committed. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Queues a write (committed with its batch; {@link flush} tells when). */
  push(w: PgWrite): void {
    if (this.#closed) {
      this.log.warn({}, 'postgres write after close: dropped');
      return;
    }
    if (this.#queue.length >= this.maxQueued) {
      // PostgreSQL has been away long enough to fill memory: shed the oldest rather than die.
      this.#queue.shift();
      this.log.error({ max: this.maxQueued }, 'postgres write queue full: oldest write dropped');
    }
    this.#queue.push(w);
    this.#run();
  }

  /** Resolves once every write queued so far is committed (or given up). */
  flush(): Promise<void> {
    // Closed: what is left will not be written; nothing to wait for.
    if (this.#closed || (!this.#running && this.#queue.length === 0)) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops taking writes after committing the queued ones (bounded by `timeoutMs`). */
  async close(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.flush(),
      new Promise<void>((r) => {
        timer = setTimeout(r, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.#closed = true;
    if (this.#queue.length > 0)
      this.log.warn({ writes: this.#queue.length }, 'postgres writes left uncommitted at close');
    for (const r of this.#idle.splice(0)) r();
  }

  #run(): void {
    if (this.#running || this.#closed) return;
    this.#running = this.#drain().finally(() => {
      this.#running = null;
      if (this.#queue.length > 0 && !this.#closed) this.#run();
      else for (const r of this.#idle.splice(0)) r();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0 && !this.#closed) {
      const batch = this.#queue.slice(0, this.batchSize);
      try {
        await this.#commit(batch);
        this.#failures = 0;
      } catch (err) {
        if (transient(err)) {
          this.log.warn({ err: String(err) }, 'postgres write failed; retrying');
          await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** this.#failures++)));
          continue;
        }
        // One bad statement: commit the others one by one, drop only what fails.
        for (const w of batch) await this.#commit([w]).catch((e) => this.#dropped(e));
      }
      this.#queue.splice(0, batch.length);
    }
  }

  async #commit(batch: PgWrite[]): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      for (const w of batch) await w(c);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }

  #dropped(err: unknown): void {
    this.log.error({ err: String(err) }, 'postgres write refused; dropped');
  }
}

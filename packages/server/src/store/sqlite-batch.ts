import type { Db } from './database.js';

/**
 * Writes to SQLite gathered into one transaction each: an operation queued with {@link add} runs at
 * most `windowMs` later, or at once when `maxOps` are waiting. With the database in a file a commit
 * per row cost each timeline row a WAL write, five of them per login's life; in a batch a row costs
 * 20–25 µs and the event loop is no longer held by a commit per row (BENCHMARKS.md).
 *
 * The price is durability, not order: operations run in the order queued, but those of the last
 * `windowMs` before a crash are lost. A clean stop calls {@link flush} before closing the database.
 */
export class SqliteBatch {
  #ops: (() => void)[] = [];
  #timer: NodeJS.Timeout | null = null;

  /**
   * @param onError told when a batch written on its own (timer or size) fails: that batch is rolled
   *   back and dropped. A {@link flush} the caller asks for throws instead.
   */
  constructor(
    private readonly db: Db,
    private readonly onError: (err: unknown) => void,
    private readonly windowMs = 10,
    private readonly maxOps = 256,
  ) {}

  /** Queues a write (a synchronous better-sqlite3 call); it runs inside the batch's transaction. */
  add(op: () => void): void {
    this.#ops.push(op);
    if (this.#ops.length >= this.maxOps) this.#flushQuietly();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => this.#flushQuietly(), this.windowMs);
      this.#timer.unref();
    }
  }

  /** Runs the queued writes now, in one transaction (nothing when the database is closed). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const ops = this.#ops;
    if (ops.length === 0 || !this.db.open) return;
    this.#ops = [];
    this.db.transaction(() => {
      for (const op of ops) op();
    })();
  }

  #flushQuietly(): void {
    try {
      this.flush();
    } catch (err) {
      this.onError(err);
    }
  }
}

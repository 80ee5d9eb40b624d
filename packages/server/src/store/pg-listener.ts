import { EventEmitter } from 'node:events';
import pg from 'pg';

/** Events of {@link PgListener}. */
export interface PgListenerEvents {
  /** A `NOTIFY channel, payload` from any node. */
  notify: [channel: string, payload: string];
  /** (Re)connected: notifications sent while disconnected are lost, so listeners look again. */
  connected: [];
}

/**
 * One dedicated connection that LISTENs on MiniRTC's channels (a pooled connection cannot: LISTEN
 * belongs to the session). Reconnects with backoff when the connection breaks, and says so, because
 * whatever was notified in between is gone.
 */
export class PgListener extends EventEmitter<PgListenerEvents> {
  #client: pg.Client | null = null;
  #closed = false;
  #retry: NodeJS.Timeout | null = null;
  #failures = 0;

  constructor(
    private readonly url: string,
    private readonly channels: string[],
  ) {
    super();
  }

  /** Connects and listens; resolves once listening (rejects if the first connection fails). */
  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    const c = new pg.Client({ connectionString: this.url, application_name: 'minirtc-listen' });
    c.on('notification', (n) => this.emit('notify', n.channel, n.payload ?? ''));
    c.on('error', () => this.#lost(c));
    c.on('end', () => this.#lost(c));
    await c.connect();
    for (const ch of this.channels) await c.query(`LISTEN ${ch}`);
    if (this.#closed) {
      await c.end().catch(() => {});
      return;
    }
    this.#client = c;
    this.#failures = 0;
    this.emit('connected');
  }

  #lost(c: pg.Client): void {
    if (this.#client !== c) return;
    this.#client = null;
    c.end().catch(() => {});
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed || this.#retry) return;
    const delay = Math.min(10_000, 200 * 2 ** this.#failures++);
    this.#retry = setTimeout(() => {
      this.#retry = null;
      this.#connect().catch(() => this.#schedule());
    }, delay);
    this.#retry.unref();
  }

  /** Stops listening. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    const c = this.#client;
    this.#client = null;
    await c?.end().catch(() => {});
  }
}

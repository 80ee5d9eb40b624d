import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One webhook POST as received. */
export interface ReceivedHook {
  /** The request path and query (`/hook?v=2`). */
  url: string;
  body: Record<string, unknown>;
  at: number;
}

/** A local HTTP endpoint that records every webhook POST and answers 200 (or `status` while set). */
export class WebhookReceiver {
  readonly received: ReceivedHook[] = [];
  /** The HTTP status answered; tests set 500 to make deliveries fail. */
  status = 200;
  readonly #server: Server;
  readonly #waiters: { pred: (h: ReceivedHook) => boolean; resolve: (h: ReceivedHook) => void }[] = [];

  constructor() {
    this.#server = createServer((req, res) => {
      void readBody(req).then((text) => {
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          body = { unparsable: text };
        }
        const hook = { url: req.url ?? '', body, at: Date.now() };
        this.received.push(hook);
        for (const w of [...this.#waiters]) {
          if (w.pred(hook)) {
            this.#waiters.splice(this.#waiters.indexOf(w), 1);
            w.resolve(hook);
          }
        }
        res.writeHead(this.status, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
  }

  /** Starts listening on 127.0.0.1:0. */
  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }

  /** `http://127.0.0.1:<port>/hook`. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  /**
   * Resolves with the first hook (received at index `since` or later, or in the future) matching `pred`;
   * rejects after `timeoutMs` so a missing delivery fails with a message, not a test timeout.
   */
  wait(pred: (h: ReceivedHook) => boolean, since = 0, timeoutMs = 10_000): Promise<ReceivedHook> {
    const have = this.received.slice(since).find(pred);
    if (have) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const waiter = {
        pred,
        resolve: (h: ReceivedHook) => {
          clearTimeout(timer);
          resolve(h);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no matching webhook within ${timeoutMs} ms (received ${this.received.length})`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Stops listening. */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
export { runTool } from '../../server/src/recording/ffmpeg-tools.js';

/** A webhook endpoint that keeps every JSON body it is sent. */
export class Hooks {
  readonly got: Record<string, unknown>[] = [];
  readonly #server: Server;
  #waiters: {
    pred: (b: Record<string, unknown>) => boolean;
    resolve: (b: Record<string, unknown>) => void;
  }[] = [];
  constructor() {
    this.#server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
        this.got.push(body);
        const hit = this.#waiters.filter((w) => w.pred(body));
        this.#waiters = this.#waiters.filter((w) => !hit.includes(w));
        for (const w of hit) w.resolve(body);
        res.end('{}');
      });
    });
  }
  async listen(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }
  wait(pred: (b: Record<string, unknown>) => boolean, ms = 30_000): Promise<Record<string, unknown>> {
    const have = this.got.find(pred);
    if (have) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`no matching webhook in ${ms} ms: ${JSON.stringify(this.got)}`)),
        ms,
      );
      this.#waiters.push({
        pred,
        resolve: (b) => {
          clearTimeout(t);
          resolve(b);
        },
      });
    });
  }
  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((r) => this.#server.close(() => r()));
  }
}

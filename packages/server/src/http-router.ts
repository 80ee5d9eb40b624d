import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from './logger.js';

/** An HTTP handler: returns true when it handled (answered or will answer) the request. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

/** Writes a JSON response. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** The request path without the query. */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/**
 * Tries handlers in order (built-ins first, then mounted ones: media HTTP-FLV, REST API, console);
 * answers 404 when none takes the request and 500 when one throws before answering.
 */
export class HttpRouter {
  readonly #handlers: HttpHandler[] = [];

  constructor(private readonly log: Logger) {}

  /** Appends a handler (tried after those added before). */
  add(h: HttpHandler): void {
    this.#handlers.push(h);
  }

  /** Entry point for `http.Server`'s `request` event. */
  handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      for (const h of this.#handlers) {
        if (await h(req, res)) return;
      }
      sendJson(res, 404, { code: 404, message: 'not found' });
    } catch (err) {
      this.log.error({ err, url: req.url, method: req.method }, 'http handler failed');
      if (!res.headersSent) sendJson(res, 500, { code: 1990099, message: 'internal error' });
      else res.destroy();
    }
  };
}

/** `GET /healthz` → `{ ok: true }`. */
export const healthz: HttpHandler = (req, res) => {
  if (pathOf(req) !== '/healthz') return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(res, 405, { code: 405, message: 'method not allowed' }, { allow: 'GET, HEAD' });
    return true;
  }
  sendJson(res, 200, { ok: true });
  return true;
};

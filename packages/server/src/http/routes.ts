import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** `GET|HEAD /healthz` → `{ ok: true }`. */
export function healthRoutes(app: FastifyInstance): void {
  app.get('/healthz', async (_req, reply) => reply.header('cache-control', 'no-store').send({ ok: true }));
}

/** `GET|HEAD /metrics`: the Prometheus text exposition of `registry`. */
export function metricsRoutes(registry: Registry): (app: FastifyInstance) => void {
  return (app) => {
    app.get('/metrics', async (_req, reply) => {
      const text = await registry.metrics();
      return reply.header('cache-control', 'no-store').type(registry.contentType).send(text);
    });
  };
}

/** Plays a stream over HTTP-FLV on a raw response; false when the path is not one of its streams. */
export type FlvHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * `GET|HEAD /<app>/<stream>.flv`: HTTP-FLV from the media gateway on the signaling port (so it is
 * HTTPS whenever the server is). The response is a long chunked stream written by the gateway, so
 * the route hands it the raw response; any other path goes on to the pipeline's not-found handling.
 */
export function flvRoutes(play: () => FlvHandler | undefined): (app: FastifyInstance) => void {
  return (app) => {
    app.get('/*', async (req, reply) => {
      const h = play();
      const path = req.url.split('?')[0] ?? '';
      if (h && path.endsWith('.flv')) {
        reply.hijack();
        if (h(req.raw, reply.raw)) return;
        const body = JSON.stringify(new MiniRtcError(ErrorCode.API_NOT_FOUND));
        reply.raw.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
        reply.raw.end(body);
        return;
      }
      // Not a stream: whatever the pipeline answers for an unknown path (mounted handlers, 404/405).
      return reply.callNotFound();
    });
  };
}

import { extname } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { answerNotFound } from '../http/http-app.js';

/** Where the console is served. */
export const CONSOLE_PREFIX = '/console';

/**
 * Serves the built console (`packages/console/dist`) at `/console/` with @fastify/static (which
 * refuses paths that leave the folder). Vite's hashed `assets/` are immutable; everything else is
 * revalidated so a new build shows up. Paths without a file extension that match no file get
 * `index.html`, so the console's client-side routes survive a reload; a missing asset is a 404.
 */
export function consoleRoutes(dir: string): (app: FastifyInstance) => void {
  return (app) => {
    void app.register(
      async (scope) => {
        await scope.register(fastifyStatic, {
          root: dir,
          // Inside the `/console` scope: '' serves `/console/*` and redirects `/console` to `/console/`.
          prefix: '',
          redirect: true,
          index: ['index.html'],
          setHeaders: (reply, path) => {
            reply.header('x-content-type-options', 'nosniff');
            // The HTML spec's type for scripts (send's table says application/javascript).
            if (/\.m?js$/.test(path)) reply.header('content-type', 'text/javascript; charset=utf-8');
            reply.header(
              'cache-control',
              path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
            );
          },
        });
        scope.setNotFoundHandler((req, reply): FastifyReply | Promise<FastifyReply> => {
          const path = req.url.split('?')[0] ?? '';
          if ((req.method === 'GET' || req.method === 'HEAD') && path.startsWith(`${CONSOLE_PREFIX}/`)) {
            if (extname(path) === '') {
              return reply.header('cache-control', 'no-cache').sendFile('index.html');
            }
          }
          return answerNotFound(app, req, reply);
        });
      },
      { prefix: CONSOLE_PREFIX },
    );
  };
}

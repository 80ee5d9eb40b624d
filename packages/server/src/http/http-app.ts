import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import { ErrorCode, MiniRtcError, type Schema } from '@minirtc/protocol';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import type { Logger } from '../logger.js';
import type { AddressResolver } from './client-address.js';
import { errorReply } from './reply-error.js';

/** Largest request body any endpoint reads (REST, ZEGO form, hooks, SDK log batches). */
export const BODY_LIMIT = 256 * 1024;

/** Paths whose answers any origin may read: SDK log upload and HTTP-FLV playback from a web page. */
const OPEN_CORS = /^\/httplog(?:\?|$)|\.flv(?:\?|$)/;

/** A raw handler mounted late (after the routes are fixed): it returns true when it answered. */
export type RawHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

/** What {@link createHttpApp} needs. */
export interface HttpAppOptions {
  /** PEM certificate chain and key: HTTPS (and WSS on the same port) when set. */
  tls?: { cert: string | Buffer; key: string | Buffer } | undefined;
  addresses: AddressResolver;
  log: Logger;
}

const schemas = new WeakMap<object, Schema<unknown>>();
const rawBodies = new WeakMap<object, string>();

/**
 * The body text exactly as received (for checks that hash what was signed); '' for a request
 * without a body. Every parser of the pipeline records it.
 */
export function rawBody(req: FastifyRequest): string {
  return rawBodies.get(req.raw) ?? '';
}

/** A content-type parser that records the text and hands `parse(text, req)` on as the body. */
export function textParser(
  parse: (text: string, req: FastifyRequest) => unknown,
): (req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => void {
  return (req, body, done) => {
    const text = String(body);
    rawBodies.set(req.raw, text);
    try {
      done(null, parse(text, req));
    } catch (e) {
      done(e as Error, undefined);
    }
  };
}

/**
 * Declares a route's body by one of protocol's schemas: fastify gets its JSON Schema (documentation,
 * `request.body` typed by the schema), and validation runs the schema itself, so messages name the
 * failing path exactly as the WebSocket API does.
 */
export function bodySchema<T>(s: Schema<T>): Record<string, unknown> {
  schemas.set(s.json, s as Schema<unknown>);
  return s.json;
}

/** Sends `{ code, message }` with the status the error table gives the code. */
export function sendError(reply: FastifyReply, e: unknown, log?: Logger): FastifyReply {
  const r = errorReply(e);
  if (r.internal && log) log.error({ err: e, url: reply.request.url }, 'http handler failed');
  return reply.code(r.status).header('cache-control', 'no-store').send(r.body);
}

/**
 * The one HTTP pipeline: a fastify instance with one body limit, one error handler (status from the
 * error table), one 404/405 shape (`{ code: 1990076 | 1990083, message }`, 405 with `Allow`), CORS
 * open only where a page of another origin must read the answer, and client addresses from the one
 * resolver. Route plugins are registered on it by the server.
 */
export function createHttpApp(opts: HttpAppOptions): {
  app: FastifyInstance;
  /** Raw handlers tried before a 404 (extension point for embedders). */
  mount(h: RawHandler): void;
} {
  const app = Fastify({
    ...(opts.tls ? { https: { cert: opts.tls.cert, key: opts.tls.key } } : {}),
    bodyLimit: BODY_LIMIT,
    trustProxy: opts.addresses.trust,
    logger: false,
    // While closing, requests still get the pipeline's shapes (fastify's own 503 body would not).
    return503OnClosing: false,
    forceCloseConnections: true,
    // Bad URL encoding and similar router refusals get the same `{ code, message }` shape.
    frameworkErrors: (err, _req, reply) => {
      sendError(reply, err, opts.log);
    },
  }) as unknown as FastifyInstance;

  // Bodies arrive as text whatever their content type (SDKs post text/plain, ZEGO clients and media
  // servers forms or JSON); each route plugin reads them its way. JSON endpoints install jsonBody.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'string' },
    textParser((text) => text),
  );

  app.setValidatorCompiler(({ schema }) => {
    const s = schemas.get(schema);
    if (!s) return () => true;
    return (data: unknown) => {
      try {
        return { value: s.parse(data, 'body') };
      } catch (error) {
        return { error: error as Error };
      }
    };
  });
  // Validation failures keep the schema's own error (code and path), not a fastify wrapper.
  app.setSchemaErrorFormatter((errors) => errors[0] as unknown as Error);

  // Which methods exist for a path, to tell 405 from 404 (fastify's router answers 404 for both).
  const known = FindMyWay();
  app.addHook('onRoute', (r) => {
    if (r.url === '/*' || r.url === '*') return;
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods) {
      try {
        known.on(m as HTTPMethod, r.url, () => {});
      } catch {
        // Already declared (HEAD twins): nothing to add.
      }
    }
  });

  app.register(cors, () => (req: FastifyRequest, cb: (e: Error | null, o: object) => void) => {
    cb(
      null,
      OPEN_CORS.test(req.url)
        ? { origin: '*', methods: ['GET', 'HEAD', 'POST', 'OPTIONS'], maxAge: 600, strictPreflight: false }
        : { origin: false },
    );
  });

  app.setErrorHandler((err, _req, reply) => {
    if (reply.sent || reply.raw.headersSent) return;
    return sendError(reply, err, opts.log);
  });

  const mounted: RawHandler[] = [];
  app.setNotFoundHandler(async (req, reply) => {
    if (mounted.length > 0 && allowed(req).length === 0) {
      reply.hijack();
      const res = reply.raw;
      let e: unknown = new MiniRtcError(ErrorCode.API_NOT_FOUND);
      try {
        for (const h of mounted) if (await h(req.raw, res)) return;
      } catch (err) {
        e = err;
      }
      // Hijacked: answer on the raw response, in the pipeline's shape.
      const r = errorReply(e);
      if (r.internal) opts.log.error({ err: e, url: req.url }, 'mounted http handler failed');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body = JSON.stringify(r.body);
      res.writeHead(r.status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    return notFound(req, reply);
  });

  /** 405 with `Allow` when the path exists under other methods, else 404. */
  const allowed = (req: FastifyRequest): string[] => {
    const path = req.url.split('?')[0] ?? '/';
    // GET and HEAD go together: a missing file is a 404 for both.
    const same = req.method === 'GET' || req.method === 'HEAD' ? ['GET', 'HEAD'] : [req.method];
    return (['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const).filter(
      (m) => !same.includes(m) && known.find(m, path) !== null,
    );
  };
  const notFound = (req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const allow = allowed(req);
    if (allow.length > 0) {
      reply.header('allow', allow.join(', '));
      return sendError(reply, new MiniRtcError(ErrorCode.API_METHOD_NOT_ALLOWED));
    }
    return sendError(reply, new MiniRtcError(ErrorCode.API_NOT_FOUND));
  };
  app.decorate('notFound', notFound);

  return { app, mount: (h) => mounted.push(h) };
}

/** 404/405 with the pipeline's shape, for routes that decide late (console, HTTP-FLV). */
export function answerNotFound(app: FastifyInstance, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return (app as unknown as { notFound: (q: FastifyRequest, r: FastifyReply) => FastifyReply }).notFound(
    req,
    reply,
  );
}

/**
 * Parses a body as JSON whatever its content type (SDKs and ZEGO clients send text/plain or none);
 * an empty body is `{}`.
 */
export function jsonBody(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new MiniRtcError(ErrorCode.JSON_PARSE_ERROR, 'body is not valid JSON');
  }
}

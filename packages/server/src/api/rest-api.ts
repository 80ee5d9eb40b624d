import type { IncomingMessage } from 'node:http';
import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import type { FastifyInstance } from 'fastify';
import { bodySchema, jsonBody, sendError, textParser } from '../http/http-app.js';
import { errorReply } from '../http/reply-error.js';
import type { ApiDeps } from './api-deps.js';
import { STRONG_SIGNATURE_VERSION, sha256Hex } from '../security/strong-signature.js';
import { type ApiCaller, requireAdmin, requireAppAccess, verifyAdmin, verifySignedRequest } from './auth.js';
import { openApiDocument } from './openapi.js';
import { type Route, type RouteContext, routes } from './rest-routes.js';

/** Prefix of the REST API. */
export const API_PREFIX = '/api/v1';

/** A route's query parameters, validated with their schemas (integers converted from text first). */
function parseQuery(route: Route, query: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of route.query ?? []) {
    const raw = query.get(p.name);
    if (raw === null || raw === '') continue;
    let v: unknown = raw;
    if (p.schema.json.type === 'integer') {
      if (!/^-?\d{1,16}$/.test(raw)) {
        throw new MiniRtcError(ErrorCode.INVALID_PARAM, `query.${p.name} must be an integer`);
      }
      v = Number(raw);
    }
    out[p.name] = p.schema.parse(v, `query.${p.name}`);
  }
  return out;
}

/**
 * Operator actions go into the call timeline (under their room or stream when they name one), so a
 * call's story shows who kicked, closed or messaged, and why (a kick's `reason` is kept only here).
 */
function audit(
  deps: ApiDeps,
  appID: number,
  type: string,
  caller: ApiCaller,
  params: Record<string, string>,
  body: unknown,
): void {
  const b = (body ?? {}) as Record<string, unknown>;
  deps.audit({
    appID,
    ...(params.roomID !== undefined ? { roomID: params.roomID } : {}),
    ...(params.streamID !== undefined ? { streamID: params.streamID } : {}),
    type,
    detail: {
      by: caller.admin ? 'admin' : 'app',
      ...(typeof b.reason === 'string' ? { reason: b.reason } : {}),
      ...(Array.isArray(b.userIDs) ? { userIDs: b.userIDs } : {}),
    },
  });
}

/** The caller of a request: admin key if an Authorization header is sent, else an app signature. */
export async function authenticate(
  req: IncomingMessage,
  query: URLSearchParams,
  deps: ApiDeps,
): Promise<ApiCaller> {
  const declared = req.headers['x-minirtc-content-sha256'];
  return (
    verifyAdmin(req.headers.authorization, deps.adminKey) ??
    (await verifySignedRequest(query, deps.apps, deps.nonces, Date.now(), {
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0] as string,
      action: '',
      bodySha256: typeof declared === 'string' ? declared : sha256Hex(''),
    }))
  );
}

/**
 * With the strong signature the body hash was signed as declared in `x-minirtc-content-sha256`: the
 * body read must match it (else the signature covered another body).
 */
function checkSignedBody(
  req: IncomingMessage,
  query: URLSearchParams,
  caller: ApiCaller,
  text: string,
): void {
  if (caller.admin || query.get('SignatureVersion') !== STRONG_SIGNATURE_VERSION) return;
  const declared = req.headers['x-minirtc-content-sha256'];
  if (sha256Hex(text) !== (typeof declared === 'string' ? declared.toLowerCase() : sha256Hex(''))) {
    throw new MiniRtcError(ErrorCode.API_SIGNATURE_INVALID, 'body does not match the signed hash');
  }
}

/**
 * The REST API under `/api/v1` (docs/rest-api.md) as a route plugin: each table entry is a fastify
 * route with its body schema → auth (admin key or app signature) → app access → query checked → handler
 * → JSON. Every refusal is `{ code, message }` with the HTTP status of its code, and counted.
 */
export function restRoutes(deps: ApiDeps, extra: Route[] = []): (app: FastifyInstance) => void {
  const all = [...routes, ...extra];
  let openapi: string | null = null;
  interface Caller {
    params: Record<string, string>;
    query: URLSearchParams;
    caller: ApiCaller;
    app: RouteContext['app'] | undefined;
  }
  const callers = new WeakMap<object, Caller>();
  return (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(
      '*',
      { parseAs: 'string' },
      textParser((text, req) => {
        const c = callers.get(req);
        if (c) checkSignedBody(req.raw, c.query, c.caller, text);
        return jsonBody(text);
      }),
    );
    app.setErrorHandler((err, _req, reply) => {
      deps.apiError(errorReply(err).body.code);
      return sendError(reply, err);
    });
    app.get('/openapi.json', async (_req, reply) => {
      openapi ??= JSON.stringify(openApiDocument(all, API_PREFIX));
      return reply.type('application/json; charset=utf-8').send(openapi);
    });
    for (const route of all) {
      app.route({
        method: route.method,
        url: route.path,
        ...(route.body ? { schema: { body: bodySchema(route.body) } } : {}),
        // Who is calling is settled before the body is read or validated: an unauthenticated caller
        // learns nothing about the body schema.
        onRequest: async (req) => {
          const params = { ...(req.params as Record<string, string>) };
          const query = new URL(req.url, 'http://x').searchParams;
          const caller = await authenticate(req.raw, query, deps);
          if (route.admin) requireAdmin(caller);
          let appRec: RouteContext['app'] | undefined;
          if (params.appID !== undefined) {
            if (!/^\d{1,10}$/.test(params.appID)) throw new MiniRtcError(ErrorCode.API_APP_NOT_FOUND);
            const appID = Number(params.appID);
            requireAppAccess(caller, appID);
            appRec = deps.apps.get(appID);
            if (!appRec) throw new MiniRtcError(ErrorCode.API_APP_NOT_FOUND);
          }
          callers.set(req, { params, query, caller, app: appRec });
        },
        handler: async (req, reply) => {
          const { params, query, caller, app: appRec } = callers.get(req) as Caller;
          const q = parseQuery(route, query);
          const body = route.body ? req.body : {};
          if (appRec && deps.prepare && (params.roomID || params.streamID)) {
            await deps.prepare(appRec.appID, { roomID: params.roomID, streamID: params.streamID });
          }
          const result = await route.handle({
            deps,
            caller,
            params,
            query,
            q,
            body,
            app: appRec as RouteContext['app'],
          });
          if (appRec && req.method !== 'GET') {
            // A closed stream's room is only known from the result.
            const r = result as { roomID?: unknown } | null;
            const where =
              typeof r?.roomID === 'string' && !params.roomID ? { ...params, roomID: r.roomID } : params;
            audit(deps, appRec.appID, `api ${req.method} ${route.path}`, caller, where, body);
          }
          return reply
            .code(route.status ?? 200)
            .header('cache-control', 'no-store')
            .send(result);
        },
      });
    }
  };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import { type HttpHandler, pathOf, sendJson } from '../http-router.js';
import type { ApiDeps } from './api-deps.js';
import { STRONG_SIGNATURE_VERSION, sha256Hex } from '../security/strong-signature.js';
import { type ApiCaller, requireAdmin, requireAppAccess, verifyAdmin, verifySignedRequest } from './auth.js';
import { errorOf, readJson, sendError } from './http-io.js';
import { openApiDocument } from './openapi.js';
import { type Route, type RouteContext, routes } from './rest-routes.js';

/** Prefix of the REST API. */
export const API_PREFIX = '/api/v1';

interface Compiled {
  route: Route;
  re: RegExp;
  names: string[];
}

function compile(r: Route): Compiled {
  const names: string[] = [];
  const re = new RegExp(
    `^${r.path.replace(/:([A-Za-z]+)/g, (_, n: string) => {
      names.push(n);
      return '([^/]+)';
    })}$`,
  );
  return { route: r, re, names };
}

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
export function authenticate(req: IncomingMessage, query: URLSearchParams, deps: ApiDeps): ApiCaller {
  const declared = req.headers['x-minirtc-content-sha256'];
  return (
    verifyAdmin(req.headers.authorization, deps.adminKey) ??
    verifySignedRequest(query, deps.apps, deps.nonces, Date.now(), {
      method: req.method ?? 'GET',
      path: pathOf(req),
      action: '',
      bodySha256: typeof declared === 'string' ? declared : sha256Hex(''),
    })
  );
}

/**
 * The REST API under `/api/v1` (docs/rest-api.md): route table → auth (admin key or app signature) →
 * app access → body validated with the route's schema → handler → JSON. Every refusal is
 * `{ code, message }` with the HTTP status of its code.
 */
export function createRestApi(deps: ApiDeps): HttpHandler {
  const table = routes.map(compile);
  let openapi: string | null = null;
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = pathOf(req);
    if (path !== API_PREFIX && !path.startsWith(`${API_PREFIX}/`)) return false;
    const sub = path.slice(API_PREFIX.length) || '/';
    if (sub === '/openapi.json' && (req.method === 'GET' || req.method === 'HEAD')) {
      openapi ??= JSON.stringify(openApiDocument(routes, API_PREFIX));
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(openapi),
      });
      res.end(req.method === 'HEAD' ? undefined : openapi);
      return true;
    }
    try {
      let match: { c: Compiled; m: RegExpExecArray } | null = null;
      const allowed: string[] = [];
      for (const c of table) {
        const m = c.re.exec(sub);
        if (!m) continue;
        allowed.push(c.route.method);
        if (c.route.method === req.method) match = { c, m };
      }
      if (!match) {
        if (allowed.length > 0) {
          sendJson(
            res,
            405,
            { code: ErrorCode.API_NOT_FOUND, message: 'method not allowed' },
            { allow: allowed.join(', ') },
          );
        } else sendError(res, ErrorCode.API_NOT_FOUND, `no endpoint ${req.method} ${path}`);
        return true;
      }
      const { c, m } = match;
      const params: Record<string, string> = {};
      c.names.forEach((n, i) => {
        try {
          params[n] = decodeURIComponent(m[i + 1] as string);
        } catch {
          throw new MiniRtcError(ErrorCode.INVALID_PARAM, `bad ${n} in the path`);
        }
      });
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      const caller = authenticate(req, query, deps);
      if (c.route.admin) requireAdmin(caller);
      let app = undefined as RouteContext['app'] | undefined;
      if (params.appID !== undefined) {
        if (!/^\d{1,10}$/.test(params.appID)) throw new MiniRtcError(ErrorCode.API_APP_NOT_FOUND);
        const appID = Number(params.appID);
        requireAppAccess(caller, appID);
        app = deps.apps.get(appID);
        if (!app) throw new MiniRtcError(ErrorCode.API_APP_NOT_FOUND);
      }
      const q = parseQuery(c.route, query);
      const raw = c.route.body ? await readJson(req, bodyCheck(req, query, caller)) : {};
      const body = c.route.body ? c.route.body.parse(raw, 'body') : {};
      const result = await c.route.handle({
        deps,
        caller,
        params,
        query,
        q,
        body,
        app: app as RouteContext['app'],
      });
      if (app && req.method !== 'GET') {
        // A closed stream's room is only known from the result.
        const r = result as { roomID?: unknown } | null;
        const where =
          typeof r?.roomID === 'string' && !params.roomID ? { ...params, roomID: r.roomID } : params;
        audit(deps, app.appID, `api ${req.method} ${c.route.path}`, caller, where, body);
      }
      sendJson(res, c.route.status ?? 200, result, { 'cache-control': 'no-store' });
    } catch (e) {
      const { code, message } = errorOf(e);
      deps.apiError(code);
      sendError(res, code, message);
    }
    return true;
  };
}

/**
 * With the strong signature the body hash was signed as declared in `x-minirtc-content-sha256`:
 * the body read must match it (else the signature covered another body).
 */
function bodyCheck(req: IncomingMessage, query: URLSearchParams, caller: ApiCaller): (text: string) => void {
  return (text) => {
    if (caller.admin || query.get('SignatureVersion') !== STRONG_SIGNATURE_VERSION) return;
    const declared = req.headers['x-minirtc-content-sha256'];
    if (sha256Hex(text) !== (typeof declared === 'string' ? declared.toLowerCase() : sha256Hex(''))) {
      throw new MiniRtcError(ErrorCode.API_SIGNATURE_INVALID, 'body does not match the signed hash');
    }
  };
}

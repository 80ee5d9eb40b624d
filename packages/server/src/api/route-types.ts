import type { Schema } from '@minirtc/protocol';
import type { AppRecord } from '../app-store.js';
import type { ApiDeps } from './api-deps.js';
import type { ApiCaller } from './auth.js';

/** What a route handler receives; `B` is the body type its schema accepts. */
// biome-ignore lint/suspicious/noExplicitAny: routes declared without route() keep an untyped body
export interface RouteContext<B = any> {
  deps: ApiDeps;
  caller: ApiCaller;
  params: Record<string, string>;
  /** The raw query (auth parameters included). */
  query: URLSearchParams;
  /** The route's query parameters, validated by their schemas; absent ones are left out. */
  // biome-ignore lint/suspicious/noExplicitAny: typed by the route's parameter schemas at the call site
  q: Record<string, any>;
  /** The validated body, typed by the route's schema (routes without a body schema get `{}`). */
  body: B;
  /** The app of `:appID`, checked to exist and to be the caller's (or the caller is admin). */
  app: AppRecord;
}

/** A query parameter: validated with `schema` (integers are converted from text first) and documented from it. */
export interface QueryParam {
  name: string;
  description: string;
  schema: Schema<unknown>;
}

/** One REST endpoint; `B` is inferred from its body schema when declared with {@link route}. */
// biome-ignore lint/suspicious/noExplicitAny: see RouteContext
export interface Route<B = any> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Under `/api/v1`, with `:name` parameters. */
  path: string;
  summary: string;
  /** Needs the admin key (app-signed requests get 1990074). */
  admin?: boolean;
  body?: Schema<B>;
  query?: QueryParam[];
  /** Status of a success (default 200). */
  status?: number;
  handle(ctx: RouteContext<B>): unknown;
}

/**
 * Declares a route so that its handler's `ctx.body` has the type its body schema accepts (the same
 * schema fastify validates with before the handler runs).
 */
export function route<B = Record<string, never>>(r: Route<B>): Route {
  return r as Route;
}

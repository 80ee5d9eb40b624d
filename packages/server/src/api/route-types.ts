import type { Schema } from '@minirtc/protocol';
import type { AppRecord } from '../app-store.js';
import type { ApiDeps } from './api-deps.js';
import type { ApiCaller } from './auth.js';

/** What a route handler receives. */
export interface RouteContext {
  deps: ApiDeps;
  caller: ApiCaller;
  params: Record<string, string>;
  /** The raw query (auth parameters included). */
  query: URLSearchParams;
  /** The route's query parameters, validated by their schemas; absent ones are left out. */
  // biome-ignore lint/suspicious/noExplicitAny: typed by the route's parameter schemas at the call site
  q: Record<string, any>;
  /** The validated body (routes without a body schema get `{}`). */
  // biome-ignore lint/suspicious/noExplicitAny: each route's body is typed by its schema at the call site
  body: any;
  /** The app of `:appID`, checked to exist and to be the caller's (or the caller is admin). */
  app: AppRecord;
}

/** A query parameter: validated with `schema` (integers are converted from text first) and documented from it. */
export interface QueryParam {
  name: string;
  description: string;
  schema: Schema<unknown>;
}

/** One REST endpoint. */
export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Under `/api/v1`, with `:name` parameters. */
  path: string;
  summary: string;
  /** Needs the admin key (app-signed requests get 1990074). */
  admin?: boolean;
  body?: Schema<unknown>;
  query?: QueryParam[];
  /** Status of a success (default 200). */
  status?: number;
  handle(ctx: RouteContext): unknown;
}

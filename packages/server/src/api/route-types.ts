import type { Schema } from '@minirtc/protocol';
import type { AppRecord } from '../app-store.js';
import type { ApiDeps } from './api-deps.js';
import type { ApiCaller } from './auth.js';

/** What a route handler receives. */
export interface RouteContext {
  deps: ApiDeps;
  caller: ApiCaller;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The validated body (routes without a body schema get `{}`). */
  // biome-ignore lint/suspicious/noExplicitAny: each route's body is typed by its schema at the call site
  body: any;
  /** The app of `:appID`, checked to exist and to be the caller's (or the caller is admin). */
  app: AppRecord;
}

/** A query parameter, for the OpenAPI document. */
export interface QueryParam {
  name: string;
  type: 'string' | 'integer';
  description: string;
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

import type { Route } from './route-types.js';
import { appRoutes } from './routes-apps.js';
import { opsRoutes } from './routes-ops.js';
import { roomRoutes } from './routes-rooms.js';

export type { QueryParam, Route, RouteContext } from './route-types.js';

/** Every REST endpoint of `/api/v1` (the OpenAPI document is generated from this table). */
export const routes: Route[] = [...appRoutes, ...roomRoutes, ...opsRoutes];

import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import type { AppRecord } from '../app-store.js';
import { type ManagedAppStore, isManaged } from '../store/sqlite-app-store.js';
import type { RouteContext } from './route-types.js';
import type { ApiApp } from './api-types.js';

/** The app store if it can be managed, else 1990079. */
export function managed(ctx: RouteContext): ManagedAppStore {
  if (!isManaged(ctx.deps.apps)) throw new MiniRtcError(ErrorCode.API_APPS_READ_ONLY);
  return ctx.deps.apps;
}

/** Waits until the app changes of this request are durable, so an answer means "stored". */
export async function durable(ctx: RouteContext): Promise<void> {
  await managed(ctx).flush?.();
}

/** An app as the API shows it: secrets only to the operator. */
export function appView(a: AppRecord, withSecrets: boolean): ApiApp {
  return {
    appID: a.appID,
    name: a.name ?? '',
    callbackUrl: a.callbackUrl ?? null,
    maxRoomMembers: a.maxRoomMembers ?? null,
    refuseCbcTokens: a.refuseCbcTokens === true,
    requireStrongSignature: a.requireStrongSignature === true,
    createdAt: a.createdAt ?? null,
    ...(withSecrets ? { serverSecret: a.serverSecret, callbackSecret: a.callbackSecret ?? null } : {}),
  };
}

/** The `:roomID` path parameter. */
export const roomP = (ctx: RouteContext): string => ctx.params.roomID as string;

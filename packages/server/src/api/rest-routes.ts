import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import type { Schema } from '@minirtc/protocol';
import { generateToken04, makeRoomPayload } from '@minirtc/protocol/crypto';
import type { AppRecord } from '../app-store.js';
import { isManaged } from '../store/sqlite-app-store.js';
import type { ManagedAppStore } from '../store/sqlite-app-store.js';
import { roomKey } from '../webhooks/event-mapper.js';
import type { ApiDeps } from './api-deps.js';
import type { ApiCaller } from './auth.js';
import {
  broadcastToRoom,
  closeStream,
  kickUsers,
  listStreams,
  requireRoom,
  roomExtraInfo,
  roomUsers,
  sendCustomCommand,
} from './room-ops.js';
import { Bodies } from './schemas.js';

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

function managed(ctx: RouteContext): ManagedAppStore {
  if (!isManaged(ctx.deps.apps)) throw new MiniRtcError(ErrorCode.API_APPS_READ_ONLY);
  return ctx.deps.apps;
}

/** An app as the API shows it: secrets only to the operator. */
export function appView(a: AppRecord, withSecrets: boolean): Record<string, unknown> {
  return {
    appID: a.appID,
    name: a.name ?? '',
    callbackUrl: a.callbackUrl ?? null,
    maxRoomMembers: a.maxRoomMembers ?? null,
    createdAt: a.createdAt ?? null,
    ...(withSecrets ? { serverSecret: a.serverSecret, callbackSecret: a.callbackSecret ?? null } : {}),
  };
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^\d{1,15}$/.test(v))
    throw new MiniRtcError(ErrorCode.INVALID_PARAM, `${name} must be a whole number`);
  return Number(v);
}

function strParam(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name);
  return v === null || v === '' ? undefined : v;
}

const roomP = (ctx: RouteContext): string => ctx.params.roomID as string;

/** Every REST endpoint of `/api/v1` (the OpenAPI document is generated from this table). */
export const routes: Route[] = [
  {
    method: 'GET',
    path: '/apps',
    summary: 'List apps',
    admin: true,
    handle: (ctx) => ({ apps: ctx.deps.apps.list().map((a) => appView(a, true)) }),
  },
  {
    method: 'POST',
    path: '/apps',
    summary: 'Create an app: returns its AppID, ServerSecret and CallbackSecret',
    admin: true,
    body: Bodies.createApp,
    status: 201,
    handle: (ctx) => {
      const b = ctx.body as { name: string; callbackUrl?: string; maxRoomMembers?: number };
      const a = managed(ctx).create({
        name: b.name,
        ...(b.callbackUrl ? { callbackUrl: b.callbackUrl } : {}),
        ...(b.maxRoomMembers ? { maxRoomMembers: b.maxRoomMembers } : {}),
      });
      return appView(a, true);
    },
  },
  {
    method: 'GET',
    path: '/apps/:appID',
    summary: 'One app (secrets only with the admin key)',
    handle: (ctx) => appView(ctx.app, ctx.caller.admin),
  },
  {
    method: 'PATCH',
    path: '/apps/:appID',
    summary: 'Change name, callback URL ("" clears it) or member cap (0 clears it)',
    body: Bodies.updateApp,
    handle: (ctx) => {
      const b = ctx.body as { name?: string; callbackUrl?: string; maxRoomMembers?: number };
      const a = managed(ctx).update(ctx.app.appID, {
        ...(b.name !== undefined ? { name: b.name } : {}),
        ...(b.callbackUrl !== undefined ? { callbackUrl: b.callbackUrl === '' ? null : b.callbackUrl } : {}),
        ...(b.maxRoomMembers !== undefined ? { maxRoomMembers: b.maxRoomMembers || null } : {}),
      });
      return appView(a, ctx.caller.admin);
    },
  },
  {
    method: 'POST',
    path: '/apps/:appID/rotate-secret',
    summary: 'Replace the ServerSecret or the CallbackSecret; the new one is returned once',
    body: Bodies.rotate,
    handle: (ctx) => {
      const which = (ctx.body as { which: 'server' | 'callback' }).which;
      const a = managed(ctx).rotate(ctx.app.appID, which);
      // The new secret once, to whoever rotated it; the other one is not repeated.
      return {
        ...appView(a, false),
        ...(which === 'server' ? { serverSecret: a.serverSecret } : { callbackSecret: a.callbackSecret }),
      };
    },
  },
  {
    method: 'DELETE',
    path: '/apps/:appID',
    summary: 'Delete an app',
    admin: true,
    handle: (ctx) => ({ deleted: managed(ctx).remove(ctx.app.appID) }),
  },
  {
    method: 'POST',
    path: '/apps/:appID/tokens',
    summary: 'A temporary token04 for testing (console)',
    admin: true,
    body: Bodies.token,
    handle: (ctx) => {
      const b = ctx.body as {
        userID: string;
        roomID?: string;
        publish?: boolean;
        streamIDs?: string[];
        ttlSeconds?: number;
      };
      const ttl = b.ttlSeconds ?? 3600;
      const now = Math.floor(Date.now() / 1000);
      const token = generateToken04({
        appID: ctx.app.appID,
        userID: b.userID,
        secret: ctx.app.serverSecret,
        ttlSeconds: ttl,
        now,
        payload:
          b.roomID === undefined ? '' : makeRoomPayload(b.roomID, b.publish ?? true, b.streamIDs ?? null),
      });
      return { token, userID: b.userID, expiresAt: now + ttl };
    },
  },
  {
    method: 'GET',
    path: '/apps/:appID/rooms',
    summary: 'Live rooms with user and stream counts',
    handle: (ctx) => ({
      rooms: ctx.deps.core.rooms.list(ctx.app.appID).map((r) => ({
        roomID: r.roomID,
        users: r.members.size,
        streams: r.liveStreams().length,
        createdAt: r.createdAt,
      })),
    }),
  },
  {
    method: 'GET',
    path: '/apps/:appID/rooms/:roomID',
    summary: 'A room: users, streams, extra info',
    handle: (ctx) => {
      const room = requireRoom(ctx.deps.core, ctx.app.appID, roomP(ctx));
      return {
        roomID: room.roomID,
        createdAt: room.createdAt,
        users: roomUsers(room),
        streams: listStreams(
          ctx.deps.core,
          ctx.app.appID,
          ctx.deps.mediaStats(),
          (r, s) => ctx.deps.previewUrl(ctx.app.appID, r, s),
          room.roomID,
        ),
        extraInfo: roomExtraInfo(room),
      };
    },
  },
  {
    method: 'GET',
    path: '/apps/:appID/rooms/:roomID/users',
    summary: 'Users of a room (DescribeUsers)',
    handle: (ctx) => ({ users: roomUsers(requireRoom(ctx.deps.core, ctx.app.appID, roomP(ctx))) }),
  },
  {
    method: 'GET',
    path: '/apps/:appID/rooms/:roomID/user-count',
    summary: 'Number of users in a room (DescribeUserNum; 0 for a room that does not exist)',
    handle: (ctx) => ({
      roomID: roomP(ctx),
      count: ctx.deps.core.rooms.get(ctx.app.appID, roomP(ctx))?.members.size ?? 0,
    }),
  },
  {
    method: 'POST',
    path: '/apps/:appID/rooms/:roomID/kick',
    summary: 'Kick users out (KickoutUser): they get DISCONNECTED 1002055',
    body: Bodies.kick,
    handle: (ctx) =>
      kickUsers(ctx.deps.core, ctx.app.appID, roomP(ctx), (ctx.body as { userIDs: string[] }).userIDs),
  },
  {
    method: 'POST',
    path: '/apps/:appID/rooms/:roomID/close',
    summary: 'Close a room (CloseRoom): every member is kicked with 1002055',
    handle: (ctx) => {
      requireRoom(ctx.deps.core, ctx.app.appID, roomP(ctx));
      return { removed: ctx.deps.core.closeRoom(ctx.app.appID, roomP(ctx)) };
    },
  },
  {
    method: 'POST',
    path: '/apps/:appID/rooms/:roomID/broadcast',
    summary: 'Broadcast a message to the room (SendBroadcastMessage)',
    body: Bodies.broadcast,
    handle: (ctx) => {
      const b = ctx.body as { fromUserID: string; fromUserName?: string; message: string };
      return broadcastToRoom(
        ctx.deps.core,
        ctx.app.appID,
        roomP(ctx),
        { userID: b.fromUserID, userName: b.fromUserName ?? b.fromUserID },
        b.message,
      );
    },
  },
  {
    method: 'POST',
    path: '/apps/:appID/rooms/:roomID/custom-command',
    summary: 'Send a custom command to some members (SendCustomCommand)',
    body: Bodies.customCommand,
    handle: (ctx) => {
      const b = ctx.body as {
        fromUserID: string;
        fromUserName?: string;
        toUserIDs: string[];
        command: string;
      };
      sendCustomCommand(
        ctx.deps.core,
        ctx.app.appID,
        roomP(ctx),
        { userID: b.fromUserID, userName: b.fromUserName ?? b.fromUserID },
        b.toUserIDs,
        b.command,
      );
      return { sent: b.toUserIDs.length };
    },
  },
  {
    method: 'GET',
    path: '/apps/:appID/streams',
    summary: 'Streams (reserved and live) with players, bitrate and a short-lived previewUrl (HTTP-FLV)',
    query: [{ name: 'roomID', type: 'string', description: 'only this room' }],
    handle: (ctx) => ({
      streams: listStreams(
        ctx.deps.core,
        ctx.app.appID,
        ctx.deps.mediaStats(),
        (r, s) => ctx.deps.previewUrl(ctx.app.appID, r, s),
        strParam(ctx.query, 'roomID'),
      ),
    }),
  },
  {
    method: 'DELETE',
    path: '/apps/:appID/streams/:streamID',
    summary: 'Close a stream and drop its media (DeleteStream)',
    handle: (ctx) => ({
      closed: true,
      ...closeStream(ctx.deps.core, ctx.app.appID, ctx.params.streamID as string),
    }),
  },
  {
    method: 'GET',
    path: '/apps/:appID/timeline',
    summary: 'The call timeline, in order',
    query: [
      { name: 'roomID', type: 'string', description: 'one room' },
      { name: 'userID', type: 'string', description: 'one user' },
      { name: 'afterSeq', type: 'integer', description: 'entries after this seq (paging)' },
      { name: 'from', type: 'integer', description: 'ms since epoch' },
      { name: 'to', type: 'integer', description: 'ms since epoch' },
      { name: 'limit', type: 'integer', description: 'default 500, max 5000' },
    ],
    handle: (ctx) => {
      const q = ctx.query;
      const opt = <T>(k: string, v: T | undefined): Record<string, T> => (v === undefined ? {} : { [k]: v });
      return {
        events: ctx.deps.timeline.query({
          appID: ctx.app.appID,
          ...opt('roomID', strParam(q, 'roomID')),
          ...opt('userID', strParam(q, 'userID')),
          ...opt('afterSeq', intParam(q, 'afterSeq')),
          ...opt('from', intParam(q, 'from')),
          ...opt('to', intParam(q, 'to')),
          ...opt('limit', intParam(q, 'limit')),
        }),
      };
    },
  },
  {
    method: 'GET',
    path: '/apps/:appID/webhooks/events',
    summary: 'Webhook events of the app (outbox state: attempts, delivered, dead)',
    query: [
      { name: 'from', type: 'integer', description: 'created at or after (ms)' },
      { name: 'to', type: 'integer', description: 'created at or before (ms)' },
      { name: 'limit', type: 'integer', description: 'default 200' },
    ],
    handle: (ctx) => {
      const q = ctx.query;
      const from = intParam(q, 'from');
      const to = intParam(q, 'to');
      const limit = intParam(q, 'limit');
      return {
        events: ctx.deps.outbox.events(ctx.app.appID, {
          ...(from !== undefined ? { from } : {}),
          ...(to !== undefined ? { to } : {}),
          ...(limit !== undefined ? { limit } : {}),
        }),
      };
    },
  },
  {
    method: 'GET',
    path: '/apps/:appID/webhooks/deliveries',
    summary: 'The webhook delivery log (every attempt)',
    query: [
      { name: 'eventId', type: 'string', description: 'one event' },
      { name: 'from', type: 'integer', description: 'ms since epoch' },
      { name: 'to', type: 'integer', description: 'ms since epoch' },
      { name: 'limit', type: 'integer', description: 'default 500' },
    ],
    handle: (ctx) => {
      const q = ctx.query;
      const eventId = strParam(q, 'eventId');
      const from = intParam(q, 'from');
      const to = intParam(q, 'to');
      const limit = intParam(q, 'limit');
      return {
        deliveries: ctx.deps.outbox.deliveries(ctx.app.appID, {
          ...(eventId !== undefined ? { eventId } : {}),
          ...(from !== undefined ? { from } : {}),
          ...(to !== undefined ? { to } : {}),
          ...(limit !== undefined ? { limit } : {}),
        }),
      };
    },
  },
  {
    method: 'POST',
    path: '/apps/:appID/webhooks/replay',
    summary: 'Send events again (same ids) by id or by creation time range',
    body: Bodies.replay,
    handle: (ctx) => {
      const b = ctx.body as { eventIds?: string[]; from?: number; to?: number };
      if (b.eventIds === undefined && b.from === undefined && b.to === undefined) {
        throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'give eventIds or a from/to range');
      }
      if (!ctx.app.callbackUrl) throw new MiniRtcError(ErrorCode.WEBHOOK_NO_CALLBACK_URL);
      const ids = ctx.deps.outbox.replay(ctx.app.appID, b);
      ctx.deps.kickWebhooks();
      return { replayed: ids };
    },
  },
  {
    method: 'POST',
    path: '/apps/:appID/webhooks/test',
    summary: 'Queue a `test` event to the callback URL',
    handle: (ctx) => {
      if (!ctx.app.callbackUrl || !ctx.app.callbackSecret)
        throw new MiniRtcError(ErrorCode.WEBHOOK_NO_CALLBACK_URL);
      // Its own ordering key: a test must not wait behind (or hold up) a room's events.
      const e = ctx.deps.outbox.enqueue(
        ctx.app.appID,
        roomKey(ctx.app.appID, `~test/${Date.now()}`),
        'test',
        {
          message: 'MiniRTC webhook test',
        },
      );
      ctx.deps.kickWebhooks();
      return { id: e.id };
    },
  },
  {
    method: 'GET',
    path: '/apps/:appID/logs',
    summary: 'SDK remote logs (newest `limit`, oldest first)',
    query: [
      { name: 'roomID', type: 'string', description: 'one room' },
      { name: 'userID', type: 'string', description: 'one user' },
      { name: 'q', type: 'string', description: 'text contained in the message or its data' },
      { name: 'level', type: 'string', description: 'one level' },
      { name: 'since', type: 'integer', description: 'received at or after (ms)' },
      { name: 'limit', type: 'integer', description: 'default 200, max 5000' },
    ],
    handle: (ctx) => {
      const q = ctx.query;
      const f: Record<string, string | number> = { appID: ctx.app.appID };
      for (const [k, name] of [
        ['roomID', 'roomID'],
        ['userID', 'userID'],
        ['contains', 'q'],
        ['level', 'level'],
      ] as const) {
        const v = strParam(q, name);
        if (v !== undefined) f[k] = v;
      }
      for (const k of ['since', 'limit'] as const) {
        const v = intParam(q, k);
        if (v !== undefined) f[k] = v;
      }
      return { logs: ctx.deps.logs(f) };
    },
  },
];

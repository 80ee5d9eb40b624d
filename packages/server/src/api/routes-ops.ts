import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import { roomKey } from '../webhooks/event-mapper.js';
import { intParam, strParam } from './route-helpers.js';
import type { Route } from './route-types.js';
import { Bodies } from './schemas.js';

/** The call timeline, webhook outbox/deliveries/replay/test and SDK logs. */
export const opsRoutes: Route[] = [
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

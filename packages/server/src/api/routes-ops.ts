import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import { roomKey } from '../webhooks/event-mapper.js';
import { type Route, route } from './route-types.js';
import { Bodies, Q } from './schemas.js';

/** The call timeline, webhook outbox/deliveries/replay/test and SDK logs. */
export const opsRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/apps/:appID/timeline',
    summary: 'The call timeline, in order',
    query: [
      Q.str('roomID', 'one room', 128),
      Q.str('userID', 'one user', 64),
      Q.int('afterSeq', 'entries after this seq (paging)'),
      Q.int('from', 'ms since epoch'),
      Q.int('to', 'ms since epoch'),
      Q.int('limit', 'default 500', 1, 5000),
    ],
    handle: async (ctx) => ({ events: await ctx.deps.timeline.query({ ...ctx.q, appID: ctx.app.appID }) }),
  }),
  route({
    method: 'GET',
    path: '/apps/:appID/webhooks/events',
    summary: 'Webhook events of the app (outbox state: attempts, delivered, dead)',
    query: [
      Q.int('from', 'created at or after (ms)'),
      Q.int('to', 'created at or before (ms)'),
      Q.int('limit', 'default 200', 1, 5000),
    ],
    handle: async (ctx) => ({ events: await ctx.deps.outbox.events(ctx.app.appID, ctx.q) }),
  }),
  route({
    method: 'GET',
    path: '/apps/:appID/webhooks/deliveries',
    summary: 'The webhook delivery log (every attempt)',
    query: [
      Q.str('eventId', 'one event', 64),
      Q.int('from', 'ms since epoch'),
      Q.int('to', 'ms since epoch'),
      Q.int('limit', 'default 500', 1, 5000),
    ],
    handle: async (ctx) => ({ deliveries: await ctx.deps.outbox.deliveries(ctx.app.appID, ctx.q) }),
  }),
  route({
    method: 'POST',
    path: '/apps/:appID/webhooks/replay',
    summary: 'Send events again (same ids) by id or by creation time range',
    body: Bodies.replay,
    handle: async (ctx) => {
      const b = ctx.body;
      if (b.eventIds === undefined && b.from === undefined && b.to === undefined) {
        throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'give eventIds or a from/to range');
      }
      if (!ctx.app.callbackUrl) throw new MiniRtcError(ErrorCode.WEBHOOK_NO_CALLBACK_URL);
      const ids = await ctx.deps.outbox.replay(ctx.app.appID, b);
      ctx.deps.kickWebhooks();
      return { replayed: ids };
    },
  }),
  route({
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
      ctx.deps.kickWebhooks(e.roomKey);
      return { id: e.id };
    },
  }),
  route({
    method: 'GET',
    path: '/apps/:appID/logs',
    summary: 'SDK remote logs (newest `limit`, oldest first)',
    query: [
      Q.str('roomID', 'one room', 128),
      Q.str('userID', 'one user', 64),
      Q.str('q', 'literal text contained in the message or its data', 256),
      Q.str('level', 'one level', 16),
      Q.int('since', 'received at or after (ms)'),
      Q.int('limit', 'default 200', 1, 5000),
    ],
    handle: async (ctx) => {
      const { q, ...rest } = ctx.q;
      return {
        logs: await ctx.deps.logs({
          ...rest,
          ...(q !== undefined ? { contains: q } : {}),
          appID: ctx.app.appID,
        }),
      };
    },
  }),
];

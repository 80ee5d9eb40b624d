import { generateToken04, makeRoomPayload } from '@minirtc/protocol/crypto';
import { checkCallbackDestination } from '../security/callback-check.js';
import { appView, durable, managed } from './route-helpers.js';
import { type Route, route } from './route-types.js';
import { Bodies } from './schemas.js';

/** App management and temporary tokens. */
export const appRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/apps',
    summary: 'List apps',
    admin: true,
    handle: (ctx) => ({ apps: ctx.deps.apps.list().map((a) => appView(a, true)) }),
  }),
  route({
    method: 'POST',
    path: '/apps',
    summary: 'Create an app: returns its AppID, ServerSecret and CallbackSecret',
    admin: true,
    body: Bodies.createApp,
    status: 201,
    handle: async (ctx) => {
      const b = ctx.body;
      checkCallbackDestination(b.callbackUrl, ctx.deps.webhookAllowPrivate);
      const a = managed(ctx).create({
        name: b.name,
        ...(b.callbackUrl ? { callbackUrl: b.callbackUrl } : {}),
        ...(b.maxRoomMembers ? { maxRoomMembers: b.maxRoomMembers } : {}),
      });
      await durable(ctx);
      return appView(a, true);
    },
  }),
  route({
    method: 'GET',
    path: '/apps/:appID',
    summary: 'One app (secrets only with the admin key)',
    handle: (ctx) => appView(ctx.app, ctx.caller.admin),
  }),
  route({
    method: 'PATCH',
    path: '/apps/:appID',
    summary:
      'Change name, callback URL ("" clears it), member cap (0 clears it), CBC token refusal, strong signature requirement',
    body: Bodies.updateApp,
    handle: async (ctx) => {
      const b = ctx.body;
      checkCallbackDestination(b.callbackUrl, ctx.deps.webhookAllowPrivate);
      const a = managed(ctx).update(ctx.app.appID, {
        ...(b.refuseCbcTokens !== undefined ? { refuseCbcTokens: b.refuseCbcTokens } : {}),
        ...(b.requireStrongSignature !== undefined
          ? { requireStrongSignature: b.requireStrongSignature }
          : {}),
        ...(b.name !== undefined ? { name: b.name } : {}),
        ...(b.callbackUrl !== undefined ? { callbackUrl: b.callbackUrl === '' ? null : b.callbackUrl } : {}),
        ...(b.maxRoomMembers !== undefined ? { maxRoomMembers: b.maxRoomMembers || null } : {}),
      });
      await durable(ctx);
      return appView(a, ctx.caller.admin);
    },
  }),
  route({
    method: 'POST',
    path: '/apps/:appID/rotate-secret',
    summary: 'Replace the ServerSecret or the CallbackSecret; the new one is returned once',
    body: Bodies.rotate,
    handle: async (ctx) => {
      // The schema's enum admits only these two.
      const which = ctx.body.which as 'server' | 'callback';
      const a = managed(ctx).rotate(ctx.app.appID, which);
      await durable(ctx);
      // The new secret once, to whoever rotated it; the other one is not repeated.
      return {
        ...appView(a, false),
        ...(which === 'server' ? { serverSecret: a.serverSecret } : { callbackSecret: a.callbackSecret }),
      };
    },
  }),
  route({
    method: 'DELETE',
    path: '/apps/:appID',
    summary: 'Delete an app',
    admin: true,
    handle: async (ctx) => {
      const deleted = managed(ctx).remove(ctx.app.appID);
      await durable(ctx);
      return { deleted };
    },
  }),
  route({
    method: 'POST',
    path: '/apps/:appID/tokens',
    summary: 'A temporary token04 for testing (console), with the signaling URL to log in at',
    admin: true,
    body: Bodies.token,
    handle: (ctx) => {
      const b = ctx.body;
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
      return { token, userID: b.userID, expiresAt: now + ttl, server: ctx.deps.signalingUrl() };
    },
  }),
];

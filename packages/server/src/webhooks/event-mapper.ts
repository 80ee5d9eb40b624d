import type { EventEmitter } from 'node:events';
import type { AppStore } from '../app-store.js';
import type { ServerEvents } from '../events.js';
import type { WebhookOutbox } from './outbox.js';

/** The webhook events MiniRTC sends. */
export const WEBHOOK_EVENTS = [
  'room_create',
  'room_close',
  'room_login',
  'room_logout',
  'stream_create',
  'stream_close',
  'token_renew',
  'test',
] as const;

/**
 * Why a user left or a stream ended, in the webhook vocabulary (the server's internal reasons are
 * finer; the raw one travels along as `detail`).
 */
export function webhookReason(raw: string): string {
  switch (raw) {
    case 'grace':
    case 'timeout':
    case 'error':
      return 'heartbeat_timeout';
    case 'replaced':
      return 'replaced';
    case 'kick':
    case 'expired':
      return 'kicked';
    case 'closed':
    case 'shutdown':
      return 'closed';
    default:
      // logout, stopPublish, unpublished, normal
      return 'normal';
  }
}

/** The ordering key of a room's events. */
export function roomKey(appID: number, roomID: string): string {
  return `${appID}/${roomID}`;
}

/**
 * Turns server events into outbox rows, synchronously inside the event, so the order in the outbox
 * is the order things happened. Only apps with a callback URL and secret get events.
 */
export function mapServerEvents(
  server: EventEmitter<ServerEvents>,
  apps: AppStore,
  outbox: WebhookOutbox,
  onQueued: (roomKey: string) => void,
  userName: (appID: number, userID: string) => string | undefined,
): void {
  const put = (appID: number, roomID: string, event: string, payload: Record<string, unknown>): void => {
    const app = apps.get(appID);
    if (!app?.callbackUrl || !app.callbackSecret) return;
    const key = roomKey(appID, roomID);
    outbox.enqueue(appID, key, event, { room_id: roomID, ...payload });
    onQueued(key);
  };
  server.on('roomCreated', (e) => put(e.appID, e.roomID, 'room_create', { room_create_time: Date.now() }));
  server.on('roomClosed', (e) => put(e.appID, e.roomID, 'room_close', { close_time: Date.now() }));
  server.on('login', (e) => {
    // A silent takeover within the grace window: the user never left, so there is nothing to report.
    if (e.replaced) return;
    put(e.appID, e.roomID, 'room_login', {
      user_account: e.userID,
      user_nickname: userName(e.appID, e.userID) ?? e.userID,
      session_id: e.sessionID,
      login_time: Date.now(),
    });
  });
  server.on('logout', (e) =>
    put(e.appID, e.roomID, 'room_logout', {
      user_account: e.userID,
      session_id: e.sessionID,
      logout_time: Date.now(),
      reason: webhookReason(e.reason),
      detail: e.reason,
    }),
  );
  server.on('streamLive', (e) =>
    put(e.appID, e.roomID, 'stream_create', {
      user_account: e.userID,
      stream_id: e.streamID,
      create_time: Date.now(),
    }),
  );
  server.on('streamGone', (e) =>
    put(e.appID, e.roomID, 'stream_close', {
      user_account: e.userID,
      stream_id: e.streamID,
      close_time: Date.now(),
      reason: webhookReason(e.reason),
      detail: e.reason,
    }),
  );
  server.on('request', (e) => {
    if (e.type === 'renewToken' && e.code === 0 && e.roomID !== undefined) {
      put(e.appID, e.roomID, 'token_renew', { user_account: e.userID, renew_time: Date.now() });
    }
  });
}

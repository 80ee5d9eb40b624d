import { api, withQuery } from './api-client.js';
import type {
  App,
  Delivery,
  LogEntry,
  Recording,
  RoomDetail,
  RoomSummary,
  TimelineEvent,
  TokenResult,
} from './api-types.js';

/** A list from a body that is either the array itself or `{ [key]: array }`. */
function listOf<T>(body: unknown, key: string): T[] {
  if (Array.isArray(body)) return body as T[];
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
  return Array.isArray(v) ? (v as T[]) : [];
}

const app = (appID: number): string => `/apps/${appID}`;
const room = (appID: number, roomID: string): string => `${app(appID)}/rooms/${encodeURIComponent(roomID)}`;

/** Typed calls of the REST API the console uses (docs/rest-api.md). */
export const Api = {
  /** Every app; also how sign-in checks a key. */
  listApps: async (key?: string): Promise<App[]> =>
    listOf<App>(await api('GET', '/apps', undefined, key), 'apps'),
  createApp: (name: string, callbackUrl?: string): Promise<App> =>
    api('POST', '/apps', { name, ...(callbackUrl ? { callbackUrl } : {}) }),
  getApp: (appID: number): Promise<App> => api('GET', app(appID)),
  updateApp: (
    appID: number,
    patch: Partial<Pick<App, 'name' | 'callbackUrl' | 'maxRoomMembers'>>,
  ): Promise<App> => api('PATCH', app(appID), patch),
  rotateSecret: (appID: number, which: 'server' | 'callback'): Promise<App> =>
    api('POST', `${app(appID)}/rotate-secret`, { which }),
  deleteApp: (appID: number): Promise<unknown> => api('DELETE', app(appID)),
  createToken: (
    appID: number,
    req: { userID: string; roomID?: string; publish?: boolean; streamIDs?: string[]; ttlSeconds: number },
  ): Promise<TokenResult> => api('POST', `${app(appID)}/tokens`, req),
  listRooms: async (appID: number): Promise<RoomSummary[]> =>
    listOf<RoomSummary>(await api('GET', `${app(appID)}/rooms`), 'rooms'),
  getRoom: (appID: number, roomID: string): Promise<RoomDetail> => api('GET', room(appID, roomID)),
  kick: (appID: number, roomID: string, userIDs: string[]): Promise<unknown> =>
    api('POST', `${room(appID, roomID)}/kick`, { userIDs, reason: 'kicked from the console' }),
  closeRoom: (appID: number, roomID: string): Promise<unknown> =>
    api('POST', `${room(appID, roomID)}/close`, {}),
  deleteStream: (appID: number, streamID: string): Promise<unknown> =>
    api('DELETE', `${app(appID)}/streams/${encodeURIComponent(streamID)}`),
  timeline: async (appID: number, roomID: string, userID: string): Promise<TimelineEvent[]> =>
    listOf<TimelineEvent>(
      await api('GET', withQuery(`${app(appID)}/timeline`, { roomID, userID })),
      'events',
    ),
  deliveries: async (appID: number, eventId?: string): Promise<Delivery[]> =>
    listOf<Delivery>(
      await api('GET', withQuery(`${app(appID)}/webhooks/deliveries`, { eventId })),
      'deliveries',
    ),
  recordings: async (appID: number): Promise<Recording[]> =>
    listOf<Recording>(await api('GET', `${app(appID)}/recordings`), 'recordings'),
  replay: (appID: number, eventIds: string[]): Promise<unknown> =>
    api('POST', `${app(appID)}/webhooks/replay`, { eventIds }),
  testWebhook: (appID: number): Promise<unknown> => api('POST', `${app(appID)}/webhooks/test`, {}),
  logs: async (
    appID: number,
    q: { roomID?: string; userID?: string; q?: string; limit?: number },
  ): Promise<LogEntry[]> => listOf<LogEntry>(await api('GET', withQuery(`${app(appID)}/logs`, q)), 'logs'),
};

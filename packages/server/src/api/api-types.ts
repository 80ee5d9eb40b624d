/**
 * What the REST API (`/api/v1`) answers, as TypeScript types: the one definition the server's routes
 * return and the console imports (`@minirtc/server/api-types`). Types only, nothing of Node, so a
 * browser bundle can import it.
 * @packageDocumentation
 */
import type { WireRoomExtraInfo } from '@minirtc/protocol';

/** An app as `/apps` returns it; the secrets only for the admin. */
export interface ApiApp {
  appID: number;
  name: string;
  callbackUrl: string | null;
  maxRoomMembers: number | null;
  /** token04's AES-CBC variant is refused (it has no integrity check); GCM tokens only. */
  refuseCbcTokens: boolean;
  /** ZEGO-form API requests must use the stronger MiniRTC-v2 signature. */
  requireStrongSignature: boolean;
  /** ms since epoch; null for apps from a read-only store. */
  createdAt: number | null;
  serverSecret?: string;
  callbackSecret?: string | null;
}

/** A temporary token04 made by the server (`POST /apps/:appID/token`). */
export interface ApiTokenResult {
  token: string;
  userID: string;
  /** Unix seconds. */
  expiresAt: number;
}

/** A live room in `/apps/:appID/rooms`. */
export interface ApiRoomSummary {
  roomID: string;
  users: number;
  /** Live streams. */
  streams: number;
  createdAt: number;
}

/** A member as the REST API shows it. */
export interface ApiUser {
  userID: string;
  userName: string;
  /** ms since epoch. */
  joinedAt: number;
  /** `grace`: the socket dropped and the session waits for a resume. */
  state: 'attached' | 'grace';
  /** The node holding the session (config `nodeId`). */
  node: string;
}

/** A stream as the REST API shows it, with a short-lived signed HTTP-FLV `previewUrl` while live. */
export interface ApiStream {
  streamID: string;
  roomID: string;
  userID: string;
  userName: string;
  extraInfo: string;
  /** Media is flowing (the stream is in the room's list). */
  live: boolean;
  reservedAt: number;
  players: number | null;
  bitrate: number | null;
  bytesIn: number | null;
  bytesOut: number | null;
  previewUrl: string | null;
  /** The signaling node holding the stream (its publisher's session; config `nodeId`). */
  node: string;
  /**
   * The media node holding its media, by id, when several `minirtc media` nodes share the load;
   * null with the embedded gateway or an external media server.
   */
  mediaNode: string | null;
}

/** One room in detail (`/apps/:appID/rooms/:roomID`). */
export interface ApiRoomDetail {
  roomID: string;
  createdAt: number;
  users: ApiUser[];
  streams: ApiStream[];
  /** Room extra info with who set it and when, as the SDK's `roomExtraInfoUpdate` has it. */
  extraInfo: WireRoomExtraInfo[];
}

/** One entry of the call timeline. */
export interface TimelineEntry {
  /** Global order (ascending = the order things happened on this server). */
  seq: number;
  appID: number;
  roomID?: string;
  userID?: string;
  streamID?: string;
  /** ms since epoch. */
  time: number;
  /** e.g. `login`, `logout`, `kick`, `request.publish`, `stream.live`, `media.playStart`, `sdk.mediaState`, `webhook`. */
  type: string;
  detail?: Record<string, unknown>;
}

/** One webhook delivery attempt as logged. */
export interface DeliveryRecord {
  id: number;
  eventId: string;
  appID: number;
  event: string;
  /** The event's room, when it has one. */
  roomID: string | null;
  /** 1 for the first attempt. */
  attempt: number;
  /** When the attempt started, ms since epoch. */
  time: number;
  url: string;
  /** `ok`: answered 2xx. */
  status: 'ok' | 'failed';
  /** HTTP status, null when no answer came (refused, timeout). */
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

/** One SDK remote log line, as stored and searched. */
export interface LogEntry {
  /** 0 when the client did not say. */
  appID: number;
  userID?: string;
  roomID?: string;
  level: string;
  /** Client time (ms since epoch) if given, else the receive time. */
  time: number;
  message: string;
  /** Remaining fields of the entry, as sent (bounded). */
  data?: Record<string, unknown>;
  receivedAt: number;
}

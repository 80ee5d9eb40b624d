/** An app as `/api/v1/apps` returns it; secrets are present for the admin. */
export interface App {
  appID: number;
  name: string;
  callbackUrl: string | null;
  maxRoomMembers: number | null;
  createdAt: number | null;
  serverSecret?: string;
  callbackSecret?: string | null;
}

/** A temporary token04 made by the server. */
export interface TokenResult {
  token: string;
  userID: string;
  /** Unix seconds. */
  expiresAt: number;
}

/** A live room in the list. */
export interface RoomSummary {
  roomID: string;
  users: number;
  streams: number;
  createdAt: number;
}

/** A room member; `grace` means its socket dropped and the server waits for a resume. */
export interface RoomUser {
  userID: string;
  userName: string;
  joinedAt: number;
  state: 'attached' | 'grace';
}

/** A reserved or live stream, with a short-lived signed HTTP-FLV `previewUrl` while live. */
export interface StreamInfo {
  streamID: string;
  roomID: string;
  userID: string;
  userName: string;
  extraInfo: string;
  live: boolean;
  reservedAt: number;
  players: number | null;
  bitrate: number | null;
  bytesIn: number | null;
  bytesOut: number | null;
  previewUrl: string | null;
}

/** One room in detail. */
export interface RoomDetail {
  roomID: string;
  createdAt: number;
  users: RoomUser[];
  streams: StreamInfo[];
  extraInfo: { key: string; value: string }[];
}

/** One entry of a call timeline. */
export interface TimelineEvent {
  seq: number;
  appID: number;
  time: number;
  type: string;
  roomID?: string;
  userID?: string;
  streamID?: string;
  detail?: Record<string, unknown>;
}

/** One webhook delivery attempt. */
export interface Delivery {
  id: number;
  eventId: string;
  appID: number;
  event: string;
  roomID: string | null;
  attempt: number;
  time: number;
  url: string;
  status: 'ok' | 'failed';
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

/** One SDK remote log line. */
export interface LogEntry {
  appID: number;
  userID?: string;
  roomID?: string;
  level: string;
  time: number;
  message: string;
  data?: Record<string, unknown>;
  receivedAt: number;
}

/** A recorded file (`GET /apps/:appID/recordings`); links are relative to the server and expire. */
export interface Recording {
  id: string;
  taskID: string;
  roomID: string;
  streamID: string;
  userID: string;
  state: 'recording' | 'finalizing' | 'ready' | 'failed';
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  size: number | null;
  streams: { type: string; codec: string }[] | null;
  error: string | null;
  playUrl?: string;
  downloadUrl?: string;
}

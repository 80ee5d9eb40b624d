import { ErrorCode, MiniRtcError } from './errors.js';
import { checkAppID, checkRoomID, checkStreamID, checkUserID } from './ids.js';
import { Limits } from './limits.js';
import { arr, bool, int, literal, obj, optional, refine, str } from './schema.js';
import type { Infer, Schema } from './schema.js';

/**
 * The signaling wire protocol: JSON text frames over one WebSocket per engine.
 * Client requests carry `reqId` and get exactly one `res` with the same `reqId`.
 * Server pushes carry a per-session `seq` (1, 2, 3 …) so a resumed session gets what it missed, in order.
 */
export const PROTOCOL_VERSION = 1;

const roomID = refine(str(), checkRoomID);
const userID = refine(str(), checkUserID);
const streamID = refine(str(), checkStreamID);
const reqId = int(0, 2 ** 31);
const message = refine(
  str({ maxBytes: Limits.MESSAGE_MAX_BYTES, tooLongCode: ErrorCode.MESSAGE_TOO_LONG }),
  (m) => {
    if (m.length === 0) throw new MiniRtcError(ErrorCode.MESSAGE_EMPTY);
    return m;
  },
);

/** Schemas of every client → server message, by `type`. */
export const clientSchemas = {
  login: obj({
    type: literal('login'),
    reqId,
    appID: refine(int(0, 0xffffffff), checkAppID),
    roomID,
    token: str({ maxBytes: Limits.TOKEN_MAX_BYTES }),
    user: obj({
      userID,
      userName: optional(str({ maxBytes: 256, tooLongCode: ErrorCode.USER_NAME_TOO_LONG })),
    }),
    config: optional(obj({ userUpdate: optional(bool()), maxMemberCount: optional(int(0, 100000)) })),
    sdk: optional(
      obj({ version: optional(str({ maxBytes: 64 })), platform: optional(str({ maxBytes: 64 })) }),
    ),
  }),
  resume: obj({
    type: literal('resume'),
    reqId,
    sessionID: str({ min: 1, maxBytes: 128 }),
    resumeKey: str({ min: 1, maxBytes: 128 }),
    lastSeq: int(0),
  }),
  logout: obj({ type: literal('logout'), reqId, roomID }),
  ping: obj({ type: literal('ping'), reqId: optional(reqId), lastSeq: optional(int(0)) }),
  renewToken: obj({
    type: literal('renewToken'),
    reqId,
    roomID,
    token: str({ maxBytes: Limits.TOKEN_MAX_BYTES }),
  }),
  publish: obj({
    type: literal('publish'),
    reqId,
    roomID,
    streamID,
    extraInfo: optional(str({ maxBytes: Limits.STREAM_EXTRA_INFO_MAX_BYTES })),
    streamParams: optional(str({ maxBytes: 1024 })),
  }),
  stopPublish: obj({ type: literal('stopPublish'), reqId, roomID, streamID }),
  play: obj({
    type: literal('play'),
    reqId,
    roomID,
    streamID,
    streamParams: optional(str({ maxBytes: 1024 })),
  }),
  stopPlay: obj({ type: literal('stopPlay'), reqId, roomID, streamID }),
  broadcast: obj({ type: literal('broadcast'), reqId, roomID, message }),
  barrage: obj({ type: literal('barrage'), reqId, roomID, message }),
  customCommand: obj({
    type: literal('customCommand'),
    reqId,
    roomID,
    command: message,
    toUserIDs: arr(userID, Limits.CUSTOM_COMMAND_MAX_TARGETS),
  }),
  setRoomExtraInfo: obj({
    type: literal('setRoomExtraInfo'),
    reqId,
    roomID,
    key: str({
      min: 1,
      maxBytes: Limits.ROOM_EXTRA_KEY_MAX_BYTES,
      tooLongCode: ErrorCode.ROOM_EXTRA_INFO_KEY_TOO_LONG,
    }),
    value: str({
      maxBytes: Limits.ROOM_EXTRA_VALUE_MAX_BYTES,
      tooLongCode: ErrorCode.ROOM_EXTRA_INFO_KEY_TOO_LONG,
    }),
  }),
  setStreamExtraInfo: obj({
    type: literal('setStreamExtraInfo'),
    reqId,
    roomID,
    streamID,
    extraInfo: str({ maxBytes: Limits.STREAM_EXTRA_INFO_MAX_BYTES }),
  }),
  /** `<rtc-room>` state reported through `updatePlayerState`, for the call timeline. */
  mediaState: obj({
    type: literal('mediaState'),
    reqId: optional(reqId),
    roomID,
    streamID,
    kind: str({ enum: ['publish', 'play'] }),
    code: int(),
    state: str({ maxBytes: 32 }),
  }),
} satisfies Record<string, Schema<unknown>>;

/** Names of client message types. */
export type ClientMessageType = keyof typeof clientSchemas;
/** A validated client → server message. */
export type ClientMessage = { [K in ClientMessageType]: Infer<(typeof clientSchemas)[K]> }[ClientMessageType];
/** A validated client message of one type. */
export type ClientMessageOf<K extends ClientMessageType> = Infer<(typeof clientSchemas)[K]>;

/**
 * Parses and validates one inbound text frame. Throws {@link MiniRtcError}: 1102011 for bad JSON,
 * 1990021 for an unknown `type`, 1100001 (or the ID rule's own code) for a bad field.
 */
export function parseClientMessage(text: string): ClientMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new MiniRtcError(ErrorCode.JSON_PARSE_ERROR);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'message must be a JSON object');
  }
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(clientSchemas, type)) {
    throw new MiniRtcError(ErrorCode.UNKNOWN_MESSAGE_TYPE, `unknown message type ${JSON.stringify(type)}`);
  }
  return (clientSchemas[type as ClientMessageType] as Schema<ClientMessage>).parse(raw);
}

/** The `reqId` of a frame if it can be read, so an error reply can name the request that failed. */
export function peekReqId(text: string): number | undefined {
  try {
    const v = (JSON.parse(text) as { reqId?: unknown }).reqId;
    return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- server → client

/** A user as the SDK reports it. */
export interface WireUser {
  userID: string;
  userName: string;
}

/** A stream as `roomStreamUpdate` reports it (ZEGO's shape). */
export interface WireStream {
  streamID: string;
  user: WireUser;
  extraInfo: string;
  urlsFLV: string;
  urlsRTMP: string;
  urlsHLS: string;
  urlsHttpsFLV: string;
  urlsHttpsHLS: string;
}

/** Room extra info item. */
export interface WireRoomExtraInfo {
  key: string;
  value: string;
  updateUser: WireUser;
  updateTime: number;
}

/** The room as seen at login (and at re-login): what the SDK diffs against. */
export interface RoomSnapshot {
  roomID: string;
  /** Per-room sequence number of the last user/stream change. */
  roomSeq: number;
  /**
   * The other members, only for a login that asked for `userUpdate` into a room of at most the
   * per-user update size (ZEGO's 500): absent otherwise, as nobody would be told of changes to it (a
   * list of every member in each login reply made a big room's logins cost O(N²)).
   */
  users?: WireUser[];
  streams: WireStream[];
  extraInfo: WireRoomExtraInfo[];
  onlineCount: number;
}

/** Reply data of a successful login. */
export interface LoginResult {
  sessionID: string;
  resumeKey: string;
  /** Session seq at the time of the reply; pushes after it continue from here. */
  seq: number;
  room: RoomSnapshot;
  /** Token expiry, Unix seconds. */
  tokenExpire: number;
  serverTime: number;
  heartbeatMs: number;
  /** How long the server keeps a dropped session for resume. */
  resumeGraceMs: number;
  /** Credential for `POST /httplog` (sent back as `logToken`); absent on servers that need none. */
  logToken?: string;
}

/** Reply data of publish/play: the signed URL for `<rtc-room>`. */
export interface StreamUrlResult {
  streamID: string;
  url: string;
  /** Fallback URLs (other gateways); `getNextUrl` walks them. */
  urls: string[];
  /** HTTP-FLV form of the same grant, for browsers. */
  flvUrl?: string;
}

/** Reply to a request. `code` 0 = success. */
export interface ResponseMessage {
  type: 'res';
  reqId: number;
  code: number;
  message?: string;
  data?: unknown;
}

/** Server pushes, each with a session `seq`. */
export type PushMessage =
  | {
      type: 'userUpdate';
      seq: number;
      roomID: string;
      roomSeq: number;
      updateType: 'ADD' | 'DELETE';
      users: WireUser[];
    }
  | {
      type: 'streamUpdate';
      seq: number;
      roomID: string;
      roomSeq: number;
      updateType: 'ADD' | 'DELETE';
      streams: WireStream[];
    }
  | { type: 'onlineCount'; seq: number; roomID: string; count: number }
  | { type: 'roomExtraInfo'; seq: number; roomID: string; items: WireRoomExtraInfo[] }
  | {
      type: 'streamExtraInfo';
      seq: number;
      roomID: string;
      streams: { streamID: string; user: WireUser; extraInfo: string }[];
    }
  | {
      type: 'broadcast';
      seq: number;
      roomID: string;
      messages: { fromUser: WireUser; message: string; sendTime: number; messageID: number }[];
    }
  | {
      type: 'barrage';
      seq: number;
      roomID: string;
      messages: { fromUser: WireUser; message: string; sendTime: number; messageID: string }[];
    }
  | { type: 'customCommand'; seq: number; roomID: string; fromUser: WireUser; command: string }
  | { type: 'kickout'; seq: number; roomID: string; code: number; message: string }
  | { type: 'tokenWillExpire'; seq: number; roomID: string; expireAt: number }
  | {
      type: 'mediaUpdate';
      seq: number;
      roomID: string;
      streamID: string;
      kind: 'publish' | 'play';
      state: 'live' | 'stopped' | 'refused';
      code: number;
      message?: string;
    };

/** Connection-level messages without a `seq`. */
export type ControlMessage =
  | { type: 'pong'; serverTime: number }
  | { type: 'error'; code: number; message: string; reqId?: number }
  | { type: 'hello'; protocol: number; serverTime: number; maxFrameBytes: number };

/** Any server → client message. */
export type ServerMessage = ResponseMessage | PushMessage | ControlMessage;

/** A push message before the session assigns its `seq`. */
export type PushBody = PushMessage extends infer P
  ? P extends { seq: number }
    ? Omit<P, 'seq'>
    : never
  : never;

/**
 * Error codes. Numbers below 1_900_000 are ZEGO Express's own (see docs/sdk-contract.md), so apps that
 * switch on ZEGO codes keep working. MiniRTC's own codes, for cases ZEGO documents no number for,
 * live in the range 1_990_000–1_999_999.
 */
export const ErrorCode = {
  SUCCESS: 0,
  NOT_LOGGED_IN: 1000002,
  STREAM_ID_TOO_LONG: 1000014,
  STREAM_ID_EMPTY: 1000015,
  STREAM_ID_ILLEGAL: 1000016,
  NETWORK_BROKEN: 1000017,
  APP_ID_INVALID: 1001004,
  TOO_MANY_ROOMS: 1002001,
  USER_ID_EMPTY: 1002005,
  USER_ID_ILLEGAL: 1002006,
  USER_ID_TOO_LONG: 1002007,
  USER_NAME_EMPTY: 1002008,
  USER_NAME_TOO_LONG: 1002010,
  ROOM_ID_EMPTY: 1002011,
  ROOM_ID_ILLEGAL: 1002012,
  ROOM_ID_TOO_LONG: 1002013,
  ROOM_NOT_EXIST: 1002014,
  ROOM_EXTRA_INFO_KEY_TOO_LONG: 1002017,
  MULTI_ROOM_USER_MISMATCH: 1002018,
  LOGIN_TIMEOUT: 1002031,
  ROOM_FULL: 1002034,
  KICKED_SAME_USER: 1002050,
  /** ZEGO's RoomConnectTemporaryBroken: reported with CONNECTING while the SDK retries. */
  CONNECT_TEMPORARILY_BROKEN: 1002051,
  RELOGIN_FAILED: 1002053,
  KICKED_BY_SERVER: 1002055,
  REPEATED_LOGIN: 1002056,
  REPEATED_ENTER: 1002057,
  ALREADY_LOGGED_IN: 1002058,
  USER_BLACKLISTED: 1002066,
  ROOM_INNER_ERROR: 1002099,
  PUBLISH_EXTRA_INFO_NULL: 1003050,
  MESSAGE_EMPTY: 1009001,
  MESSAGE_TOO_LONG: 1009002,
  MESSAGE_SEND_FAILED: 1009010,
  INVALID_PARAM: 1100001,
  NETWORK_TIMEOUT: 1100002,
  SOCKET_CLOSED: 1100003,
  HEARTBEAT_TIMEOUT_CLIENT: 1100005,
  CONNECT_TIMEOUT: 1100006,
  HEARTBEAT_TIMEOUT: 1102001,
  JSON_PARSE_ERROR: 1102011,
  LOGIN_IN_PROGRESS: 1102012,
  TOKEN_ERROR: 1102016,
  TOKEN_EXPIRED: 1102018,

  // ---- ZEGO's documented codes for cases MiniRTC once numbered itself (zego_express_engine ZegoErrorCode) ----
  /** ZEGO PublisherErrorRepetitivePublishStream: the streamID is already published (or reserved) by another user. */
  STREAM_ID_TAKEN: 1003028,
  /** ZEGO RoomAppCallTooFrequent: room signalling (messages, commands, frames) over the rate limit. */
  RATE_LIMITED: 1002073,
  /** ZEGO PublisherErrorDispatchAuthError: the token does not grant publishing (or not this streamID). */
  NO_PUBLISH_PRIVILEGE: 1003072,
  /** ZEGO RoomTokenAppidError: the token was made for another AppID. */
  TOKEN_APP_MISMATCH: 1002076,
  /** ZEGO RoomTokenUseridError: the token was made for another userID. */
  TOKEN_USER_MISMATCH: 1002077,
  /** ZEGO RoomErrorAuthenticationFailed: the token's payload names another room. */
  TOKEN_ROOM_MISMATCH: 1002033,
  /** ZEGO PlayerPlayStreamNotExist: the stream does not exist (not published by anyone). */
  STREAM_NOT_FOUND: 1004002,
  /** ZEGO PublisherRtmpServerDisconnect: `<rtc-room>` reported that the RTMP push failed (onRtmpEvent 3801). */
  MEDIA_PUSH_FAILED: 1003029,
  /** ZEGO PlayerPlayStreamFailed: `<rtc-room>` reported that the RTMP play failed (onRtmpEvent 3803). */
  MEDIA_PLAY_FAILED: 1004001,
  /** ZEGO CommonPlatformNotSupported (function not supported on this platform): no `<rtc-room>` here. */
  SYSTEM_REQUIREMENTS_UNMET: 1000006,

  // ---- MiniRTC's own range (no ZEGO number exists for these) ----
  /** The token does not grant the login privilege. */
  NO_LOGIN_PRIVILEGE: 1990013,
  /** The token is not a token04 or fails authentication (tampered, wrong secret). */
  TOKEN_MALFORMED: 1990014,
  /** A WebSocket frame exceeded the size limit. */
  FRAME_TOO_LARGE: 1990020,
  /** A message `type` the server does not know. */
  UNKNOWN_MESSAGE_TYPE: 1990021,
  /** Resume failed: the session is gone (grace window over) or the resume key is wrong. */
  SESSION_NOT_FOUND: 1990030,
  /** The stream to play is not in the caller's room. */
  STREAM_NOT_IN_ROOM: 1990040,
  /** The caller does not own the stream it tries to change. */
  STREAM_NOT_OWNED: 1990042,
  /** A signed stream URL failed verification. */
  URL_SIGNATURE_INVALID: 1990050,
  /** A signed stream URL has expired. */
  URL_EXPIRED: 1990051,
  /** The target user of a custom command is not in the room. */
  USER_NOT_IN_ROOM: 1990060,
  /** REST/server API: the request signature is missing or wrong. */
  API_SIGNATURE_INVALID: 1990070,
  /** REST/server API: `Timestamp` is more than 10 minutes away from the server's clock. */
  API_TIMESTAMP_STALE: 1990071,
  /** REST/server API: this `SignatureNonce` was already used by the app within the window. */
  API_NONCE_REPLAYED: 1990072,
  /** REST API: the admin key is missing or wrong. */
  API_ADMIN_KEY_INVALID: 1990073,
  /** REST/server API: the caller may not act on this app (or needs the admin key). */
  API_APP_FORBIDDEN: 1990074,
  /** REST/server API: no app with this AppID. */
  API_APP_NOT_FOUND: 1990075,
  /** REST/server API: no such endpoint, action or resource. */
  API_NOT_FOUND: 1990076,
  /** REST/server API: request body over the size limit. */
  API_BODY_TOO_LARGE: 1990077,
  /** Webhooks: the app has no callback URL. */
  WEBHOOK_NO_CALLBACK_URL: 1990078,
  /** REST API: the configured app store cannot create, change or delete apps. */
  API_APPS_READ_ONLY: 1990079,
  /** The server is shutting down. */
  SERVER_SHUTDOWN: 1990098,
  /** Unexpected server-side failure. */
  INTERNAL_ERROR: 1990099,
} as const;

/** Any known error code value. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

const messages: Record<number, string> = {
  [ErrorCode.SUCCESS]: 'success',
  [ErrorCode.NOT_LOGGED_IN]: 'not logged in to the room',
  [ErrorCode.STREAM_ID_TOO_LONG]: 'streamID is longer than 256 bytes',
  [ErrorCode.STREAM_ID_EMPTY]: 'streamID is empty',
  [ErrorCode.STREAM_ID_ILLEGAL]: 'streamID may only contain A-Z a-z 0-9 _ -',
  [ErrorCode.NETWORK_BROKEN]: 'network broken',
  [ErrorCode.APP_ID_INVALID]: 'AppID is invalid',
  [ErrorCode.TOO_MANY_ROOMS]: 'too many rooms logged in',
  [ErrorCode.USER_ID_EMPTY]: 'userID is empty',
  [ErrorCode.USER_ID_ILLEGAL]: 'userID contains illegal characters',
  [ErrorCode.USER_ID_TOO_LONG]: 'userID is longer than 64 bytes',
  [ErrorCode.USER_NAME_EMPTY]: 'userName is empty',
  [ErrorCode.USER_NAME_TOO_LONG]: 'userName is longer than 256 bytes',
  [ErrorCode.ROOM_ID_EMPTY]: 'roomID is empty',
  [ErrorCode.ROOM_ID_ILLEGAL]: 'roomID contains illegal characters',
  [ErrorCode.ROOM_ID_TOO_LONG]: 'roomID is longer than 128 bytes',
  [ErrorCode.ROOM_NOT_EXIST]: 'room does not exist',
  [ErrorCode.ROOM_EXTRA_INFO_KEY_TOO_LONG]: 'room extra info key or value over the limit',
  [ErrorCode.MULTI_ROOM_USER_MISMATCH]: 'multi-room login must use the same userID',
  [ErrorCode.LOGIN_TIMEOUT]: 'login timed out',
  [ErrorCode.ROOM_FULL]: 'room is full',
  [ErrorCode.KICKED_SAME_USER]: 'kicked out: the same userID logged in elsewhere',
  [ErrorCode.CONNECT_TEMPORARILY_BROKEN]: 'connection temporarily broken, retrying',
  [ErrorCode.RELOGIN_FAILED]: 'network broken and re-login failed',
  [ErrorCode.KICKED_BY_SERVER]: 'kicked out by the server',
  [ErrorCode.REPEATED_LOGIN]: 'repeated login',
  [ErrorCode.REPEATED_ENTER]: 'repeated enter',
  [ErrorCode.ALREADY_LOGGED_IN]: 'already logged in',
  [ErrorCode.USER_BLACKLISTED]: 'user is blacklisted',
  [ErrorCode.ROOM_INNER_ERROR]: 'room inner error',
  [ErrorCode.PUBLISH_EXTRA_INFO_NULL]: 'stream extra info is null',
  [ErrorCode.MESSAGE_EMPTY]: 'message is empty',
  [ErrorCode.MESSAGE_TOO_LONG]: 'message is longer than 1024 bytes',
  [ErrorCode.MESSAGE_SEND_FAILED]: 'message send failed',
  [ErrorCode.INVALID_PARAM]: 'bad input parameter',
  [ErrorCode.NETWORK_TIMEOUT]: 'network timeout',
  [ErrorCode.SOCKET_CLOSED]: 'socket closed',
  [ErrorCode.HEARTBEAT_TIMEOUT_CLIENT]: 'heartbeat timeout',
  [ErrorCode.CONNECT_TIMEOUT]: 'connect timeout',
  [ErrorCode.HEARTBEAT_TIMEOUT]: 'heartbeat timeout',
  [ErrorCode.JSON_PARSE_ERROR]: 'message is not valid JSON',
  [ErrorCode.LOGIN_IN_PROGRESS]: 'login already in progress',
  [ErrorCode.TOKEN_ERROR]: 'token error',
  [ErrorCode.TOKEN_EXPIRED]: 'token expired',
  [ErrorCode.STREAM_ID_TAKEN]: 'streamID is published by another user',
  [ErrorCode.RATE_LIMITED]: 'rate limit exceeded',
  [ErrorCode.NO_PUBLISH_PRIVILEGE]: 'token does not grant publishing',
  [ErrorCode.TOKEN_APP_MISMATCH]: 'token was made for another AppID',
  [ErrorCode.TOKEN_USER_MISMATCH]: 'token was made for another userID',
  [ErrorCode.TOKEN_ROOM_MISMATCH]: 'token was made for another room',
  [ErrorCode.NO_LOGIN_PRIVILEGE]: 'token does not grant login',
  [ErrorCode.TOKEN_MALFORMED]: 'token is malformed or was not signed with this app secret',
  [ErrorCode.FRAME_TOO_LARGE]: 'frame too large',
  [ErrorCode.UNKNOWN_MESSAGE_TYPE]: 'unknown message type',
  [ErrorCode.SESSION_NOT_FOUND]: 'session not found (grace window over)',
  [ErrorCode.STREAM_NOT_IN_ROOM]: 'stream is not in your room',
  [ErrorCode.STREAM_NOT_FOUND]: 'stream not found',
  [ErrorCode.STREAM_NOT_OWNED]: 'stream belongs to another user',
  [ErrorCode.URL_SIGNATURE_INVALID]: 'stream URL signature invalid',
  [ErrorCode.URL_EXPIRED]: 'stream URL expired',
  [ErrorCode.USER_NOT_IN_ROOM]: 'user is not in the room',
  [ErrorCode.API_SIGNATURE_INVALID]: 'request signature missing or invalid',
  [ErrorCode.API_TIMESTAMP_STALE]: 'request timestamp outside the allowed window',
  [ErrorCode.API_NONCE_REPLAYED]: 'request nonce already used',
  [ErrorCode.API_ADMIN_KEY_INVALID]: 'admin key missing or invalid',
  [ErrorCode.API_APP_FORBIDDEN]: 'not allowed for this app',
  [ErrorCode.API_APP_NOT_FOUND]: 'app not found',
  [ErrorCode.API_NOT_FOUND]: 'not found',
  [ErrorCode.API_BODY_TOO_LARGE]: 'request body too large',
  [ErrorCode.WEBHOOK_NO_CALLBACK_URL]: 'app has no callback URL',
  [ErrorCode.API_APPS_READ_ONLY]: 'the app store is read-only',
  [ErrorCode.MEDIA_PUSH_FAILED]: 'the component reported that the push failed',
  [ErrorCode.MEDIA_PLAY_FAILED]: 'the component reported that the play failed',
  [ErrorCode.SYSTEM_REQUIREMENTS_UNMET]: 'this runtime does not support <rtc-room>',
  [ErrorCode.SERVER_SHUTDOWN]: 'server is shutting down',
  [ErrorCode.INTERNAL_ERROR]: 'internal error',
};

/** The readable default message of a code. */
export function errorMessage(code: number): string {
  return messages[code] ?? `error ${code}`;
}

/**
 * The one error type of MiniRTC: a numeric `code` (ZEGO-compatible where ZEGO has one) and a
 * readable `message`. `msg` mirrors `message` because ZEGO's SDK rejects with `{ code, msg }`.
 */
export class MiniRtcError extends Error {
  /** Numeric error code, see {@link ErrorCode}. */
  readonly code: number;
  /** Same as `message`; ZEGO apps read `err.msg`. */
  readonly msg: string;
  /** Optional structured detail (e.g. which check failed). */
  readonly detail?: Record<string, unknown>;

  constructor(code: number, message?: string, detail?: Record<string, unknown>) {
    const text = message ?? errorMessage(code);
    super(text);
    this.name = 'MiniRtcError';
    this.code = code;
    this.msg = text;
    if (detail) this.detail = detail;
  }

  /** Plain JSON form for the wire. */
  toJSON(): { code: number; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** True when `e` is a {@link MiniRtcError} (also across bundle copies, by shape). */
export function isMiniRtcError(e: unknown): e is MiniRtcError {
  return (
    e instanceof MiniRtcError ||
    (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'MiniRtcError')
  );
}

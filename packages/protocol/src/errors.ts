/**
 * The error table: one row per error, the only place a code's name, readable message and HTTP status
 * are written. Numbers below 1_900_000 are ZEGO Express's own (see docs/sdk-contract.md; the rows
 * marked "ZEGO's …" carry the ZegoErrorCode name of zego_express_engine), so apps that switch on ZEGO
 * codes keep working; MiniRTC's own codes, only for cases ZEGO documents no number for, live in
 * 1_990_000–1_999_999. `httpStatus` is what the HTTP API answers a refusal with (REST, HTTP-FLV),
 * and what a media refusal maps to (404 → RTMP `NotFound`, 409 → `BadName`, else `Unauthorized`).
 */
export const ERROR_TABLE = [
  { code: 0, name: 'SUCCESS', message: 'success', httpStatus: 200 },
  { code: 1000002, name: 'NOT_LOGGED_IN', message: 'not logged in to the room', httpStatus: 403 },
  {
    code: 1000014,
    name: 'STREAM_ID_TOO_LONG',
    message: 'streamID is longer than 256 bytes',
    httpStatus: 400,
  },
  { code: 1000015, name: 'STREAM_ID_EMPTY', message: 'streamID is empty', httpStatus: 400 },
  {
    code: 1000016,
    name: 'STREAM_ID_ILLEGAL',
    message: 'streamID may only contain A-Z a-z 0-9 _ -',
    httpStatus: 400,
  },
  { code: 1000017, name: 'NETWORK_BROKEN', message: 'network broken', httpStatus: 400 },
  { code: 1001004, name: 'APP_ID_INVALID', message: 'AppID is invalid', httpStatus: 400 },
  { code: 1002001, name: 'TOO_MANY_ROOMS', message: 'too many rooms logged in', httpStatus: 400 },
  { code: 1002005, name: 'USER_ID_EMPTY', message: 'userID is empty', httpStatus: 400 },
  { code: 1002006, name: 'USER_ID_ILLEGAL', message: 'userID contains illegal characters', httpStatus: 400 },
  { code: 1002007, name: 'USER_ID_TOO_LONG', message: 'userID is longer than 64 bytes', httpStatus: 400 },
  { code: 1002008, name: 'USER_NAME_EMPTY', message: 'userName is empty', httpStatus: 400 },
  {
    code: 1002010,
    name: 'USER_NAME_TOO_LONG',
    message: 'userName is longer than 256 bytes',
    httpStatus: 400,
  },
  { code: 1002011, name: 'ROOM_ID_EMPTY', message: 'roomID is empty', httpStatus: 400 },
  { code: 1002012, name: 'ROOM_ID_ILLEGAL', message: 'roomID contains illegal characters', httpStatus: 400 },
  { code: 1002013, name: 'ROOM_ID_TOO_LONG', message: 'roomID is longer than 128 bytes', httpStatus: 400 },
  { code: 1002014, name: 'ROOM_NOT_EXIST', message: 'room does not exist', httpStatus: 404 },
  {
    code: 1002017,
    name: 'ROOM_EXTRA_INFO_KEY_TOO_LONG',
    message: 'room extra info key or value over the limit',
    httpStatus: 400,
  },
  {
    code: 1002018,
    name: 'MULTI_ROOM_USER_MISMATCH',
    message: 'multi-room login must use the same userID',
    httpStatus: 400,
  },
  { code: 1002031, name: 'LOGIN_TIMEOUT', message: 'login timed out', httpStatus: 400 },
  { code: 1002034, name: 'ROOM_FULL', message: 'room is full', httpStatus: 400 },
  {
    code: 1002050,
    name: 'KICKED_SAME_USER',
    message: 'kicked out: the same userID logged in elsewhere',
    httpStatus: 400,
  },
  // ZEGO's RoomConnectTemporaryBroken: reported with CONNECTING while the SDK retries.
  {
    code: 1002051,
    name: 'CONNECT_TEMPORARILY_BROKEN',
    message: 'connection temporarily broken, retrying',
    httpStatus: 400,
  },
  { code: 1002053, name: 'RELOGIN_FAILED', message: 'network broken and re-login failed', httpStatus: 400 },
  { code: 1002055, name: 'KICKED_BY_SERVER', message: 'kicked out by the server', httpStatus: 400 },
  { code: 1002056, name: 'REPEATED_LOGIN', message: 'repeated login', httpStatus: 400 },
  { code: 1002057, name: 'REPEATED_ENTER', message: 'repeated enter', httpStatus: 400 },
  { code: 1002058, name: 'ALREADY_LOGGED_IN', message: 'already logged in', httpStatus: 400 },
  { code: 1002066, name: 'USER_BLACKLISTED', message: 'user is blacklisted', httpStatus: 403 },
  { code: 1002099, name: 'ROOM_INNER_ERROR', message: 'room inner error', httpStatus: 500 },
  { code: 1003050, name: 'PUBLISH_EXTRA_INFO_NULL', message: 'stream extra info is null', httpStatus: 400 },
  { code: 1009001, name: 'MESSAGE_EMPTY', message: 'message is empty', httpStatus: 400 },
  { code: 1009002, name: 'MESSAGE_TOO_LONG', message: 'message is longer than 1024 bytes', httpStatus: 400 },
  { code: 1009010, name: 'MESSAGE_SEND_FAILED', message: 'message send failed', httpStatus: 400 },
  { code: 1100001, name: 'INVALID_PARAM', message: 'bad input parameter', httpStatus: 400 },
  { code: 1100002, name: 'NETWORK_TIMEOUT', message: 'network timeout', httpStatus: 400 },
  { code: 1100003, name: 'SOCKET_CLOSED', message: 'socket closed', httpStatus: 400 },
  { code: 1100005, name: 'HEARTBEAT_TIMEOUT_CLIENT', message: 'heartbeat timeout', httpStatus: 400 },
  { code: 1100006, name: 'CONNECT_TIMEOUT', message: 'connect timeout', httpStatus: 400 },
  { code: 1102001, name: 'HEARTBEAT_TIMEOUT', message: 'heartbeat timeout', httpStatus: 400 },
  { code: 1102011, name: 'JSON_PARSE_ERROR', message: 'message is not valid JSON', httpStatus: 400 },
  { code: 1102012, name: 'LOGIN_IN_PROGRESS', message: 'login already in progress', httpStatus: 400 },
  { code: 1102016, name: 'TOKEN_ERROR', message: 'token error', httpStatus: 401 },
  { code: 1102018, name: 'TOKEN_EXPIRED', message: 'token expired', httpStatus: 401 },
  // The streamID is already published (or reserved) by another user of the same AppID.
  // ZEGO's PublisherErrorRepetitivePublishStream.
  {
    code: 1003028,
    name: 'STREAM_ID_TAKEN',
    message: 'streamID is published by another user',
    httpStatus: 409,
  },
  // A per-room or per-connection rate limit was exceeded.
  // ZEGO's RoomAppCallTooFrequent.
  { code: 1002073, name: 'RATE_LIMITED', message: 'rate limit exceeded', httpStatus: 429 },
  // The token does not grant the publish privilege (or not for this streamID).
  // ZEGO's PublisherErrorDispatchAuthError.
  {
    code: 1003072,
    name: 'NO_PUBLISH_PRIVILEGE',
    message: 'token does not grant publishing',
    httpStatus: 403,
  },
  // The token was made for another AppID.
  // ZEGO's RoomTokenAppidError.
  { code: 1002076, name: 'TOKEN_APP_MISMATCH', message: 'token was made for another AppID', httpStatus: 403 },
  // The token was made for another userID.
  // ZEGO's RoomTokenUseridError.
  {
    code: 1002077,
    name: 'TOKEN_USER_MISMATCH',
    message: 'token was made for another userID',
    httpStatus: 403,
  },
  // The token's payload names another room.
  // ZEGO's RoomErrorAuthenticationFailed.
  { code: 1002033, name: 'TOKEN_ROOM_MISMATCH', message: 'token was made for another room', httpStatus: 403 },
  // The token does not grant the login privilege.
  { code: 1990013, name: 'NO_LOGIN_PRIVILEGE', message: 'token does not grant login', httpStatus: 403 },
  // The token is not a token04 or fails authentication (tampered, wrong secret).
  {
    code: 1990014,
    name: 'TOKEN_MALFORMED',
    message: 'token is malformed or was not signed with this app secret',
    httpStatus: 401,
  },
  // A WebSocket frame exceeded the size limit.
  { code: 1990020, name: 'FRAME_TOO_LARGE', message: 'frame too large', httpStatus: 413 },
  // A message `type` the server does not know.
  { code: 1990021, name: 'UNKNOWN_MESSAGE_TYPE', message: 'unknown message type', httpStatus: 400 },
  // Resume failed: the session is gone (grace window over) or the resume key is wrong.
  {
    code: 1990030,
    name: 'SESSION_NOT_FOUND',
    message: 'session not found (grace window over)',
    httpStatus: 403,
  },
  // The stream to play is not in the caller's room.
  { code: 1990040, name: 'STREAM_NOT_IN_ROOM', message: 'stream is not in your room', httpStatus: 404 },
  // The stream does not exist (not published by anyone).
  // ZEGO's PlayerPlayStreamNotExist.
  { code: 1004002, name: 'STREAM_NOT_FOUND', message: 'stream not found', httpStatus: 404 },
  // The caller does not own the stream it tries to change.
  { code: 1990042, name: 'STREAM_NOT_OWNED', message: 'stream belongs to another user', httpStatus: 403 },
  // A signed stream URL failed verification.
  { code: 1990050, name: 'URL_SIGNATURE_INVALID', message: 'stream URL signature invalid', httpStatus: 403 },
  // A signed stream URL has expired.
  { code: 1990051, name: 'URL_EXPIRED', message: 'stream URL expired', httpStatus: 403 },
  // The target user of a custom command is not in the room.
  { code: 1990060, name: 'USER_NOT_IN_ROOM', message: 'user is not in the room', httpStatus: 404 },
  // REST/server API: the request signature is missing or wrong.
  {
    code: 1990070,
    name: 'API_SIGNATURE_INVALID',
    message: 'request signature missing or invalid',
    httpStatus: 401,
  },
  // REST/server API: `Timestamp` is more than 10 minutes away from the server's clock.
  {
    code: 1990071,
    name: 'API_TIMESTAMP_STALE',
    message: 'request timestamp outside the allowed window',
    httpStatus: 401,
  },
  // REST/server API: this `SignatureNonce` was already used by the app within the window.
  { code: 1990072, name: 'API_NONCE_REPLAYED', message: 'request nonce already used', httpStatus: 401 },
  // REST API: the admin key is missing or wrong.
  { code: 1990073, name: 'API_ADMIN_KEY_INVALID', message: 'admin key missing or invalid', httpStatus: 401 },
  // REST/server API: the caller may not act on this app (or needs the admin key).
  { code: 1990074, name: 'API_APP_FORBIDDEN', message: 'not allowed for this app', httpStatus: 403 },
  // REST/server API: no app with this AppID.
  { code: 1990075, name: 'API_APP_NOT_FOUND', message: 'app not found', httpStatus: 404 },
  // REST/server API: no such endpoint, action or resource.
  { code: 1990076, name: 'API_NOT_FOUND', message: 'not found', httpStatus: 404 },
  // REST/server API: request body over the size limit.
  { code: 1990077, name: 'API_BODY_TOO_LARGE', message: 'request body too large', httpStatus: 413 },
  // Webhooks: the app has no callback URL.
  { code: 1990078, name: 'WEBHOOK_NO_CALLBACK_URL', message: 'app has no callback URL', httpStatus: 400 },
  // REST API: the configured app store cannot create, change or delete apps.
  { code: 1990079, name: 'API_APPS_READ_ONLY', message: 'the app store is read-only', httpStatus: 501 },
  // SDK: `<rtc-room>` reported that the RTMP push failed (onRtmpEvent 3801).
  // ZEGO's PublisherRtmpServerDisconnect.
  {
    code: 1003029,
    name: 'MEDIA_PUSH_FAILED',
    message: 'the component reported that the push failed',
    httpStatus: 400,
  },
  // SDK: `<rtc-room>` reported that the RTMP play failed (onRtmpEvent 3803).
  // ZEGO's PlayerPlayStreamFailed.
  {
    code: 1004001,
    name: 'MEDIA_PLAY_FAILED',
    message: 'the component reported that the play failed',
    httpStatus: 400,
  },
  // SDK: `checkSystemRequirements` found no `<rtc-room>` support in this runtime.
  // ZEGO's CommonPlatformNotSupported (not supported on this platform).
  {
    code: 1000006,
    name: 'SYSTEM_REQUIREMENTS_UNMET',
    message: 'this runtime does not support <rtc-room>',
    httpStatus: 400,
  },
  // An endpoint exists at this path, but not for this HTTP method.
  { code: 1990083, name: 'API_METHOD_NOT_ALLOWED', message: 'method not allowed', httpStatus: 405 },
  // The server is shutting down.
  { code: 1990098, name: 'SERVER_SHUTDOWN', message: 'server is shutting down', httpStatus: 503 },
  // Unexpected server-side failure.
  { code: 1990099, name: 'INTERNAL_ERROR', message: 'internal error', httpStatus: 500 },
] as const satisfies readonly ErrorRow[];

/** One row of {@link ERROR_TABLE}. */
export interface ErrorRow {
  /** Numeric code sent on the wire. */
  code: number;
  /** Stable constant name (the key in {@link ErrorCode}). */
  name: string;
  /** Default readable message: tells a user what went wrong and no more. */
  message: string;
  /** HTTP status of the error when an HTTP endpoint refuses with it. */
  httpStatus: number;
}

type Rows = (typeof ERROR_TABLE)[number];

/** Error codes by name, derived from {@link ERROR_TABLE}. */
export const ErrorCode = Object.fromEntries(ERROR_TABLE.map((r) => [r.name, r.code])) as {
  readonly [R in Rows as R['name']]: R['code'];
};

/** Any known error code value. */
export type ErrorCodeValue = Rows['code'];

const byCode = new Map<number, ErrorRow>(ERROR_TABLE.map((r) => [r.code, r]));

/** The row of a code, if it is in the table. */
export function errorRow(code: number): ErrorRow | undefined {
  return byCode.get(code);
}

/** The readable default message of a code. */
export function errorMessage(code: number): string {
  return byCode.get(code)?.message ?? `error ${code}`;
}

/** The HTTP status an endpoint answers `code` with (400 for codes outside the table). */
export function httpStatusOf(code: number): number {
  return byCode.get(code)?.httpStatus ?? 400;
}

/** The RTMP refusal (NetStream status family) of a code, derived from its HTTP status. */
export function rtmpRefusalOf(code: number): 'BadName' | 'NotFound' | 'Unauthorized' {
  const s = httpStatusOf(code);
  return s === 409 ? 'BadName' : s === 404 ? 'NotFound' : 'Unauthorized';
}

/**
 * The one base error type of MiniRTC: a numeric `code` (ZEGO-compatible where ZEGO has one), a
 * readable `message`, and the `cause` when it wraps another failure (kept for logs, never sent).
 * `msg` mirrors `message` because ZEGO's SDK rejects with `{ code, msg }`. Packages that need their
 * own name (the RTMP gateway, the simulator, the console's API client) subclass it.
 */
export class MiniRtcError extends Error {
  /** Numeric error code, see {@link ErrorCode}. */
  readonly code: number;
  /** Same as `message`; ZEGO apps read `err.msg`. */
  readonly msg: string;
  /** Optional structured detail (e.g. which check failed). */
  readonly detail?: Record<string, unknown>;

  /** `message` defaults to the table's; `options.cause` is the wrapped failure. */
  constructor(code: number, message?: string, detail?: Record<string, unknown>, options?: ErrorOptions) {
    const text = message ?? errorMessage(code);
    super(text, options);
    this.name = 'MiniRtcError';
    this.code = code;
    this.msg = text;
    if (detail) this.detail = detail;
  }

  /** The HTTP status of this error's code (from the table). */
  get httpStatus(): number {
    return httpStatusOf(this.code);
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

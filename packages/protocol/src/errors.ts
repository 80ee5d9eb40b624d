/**
 * The error table: one row per error, the only place a code's name, readable message and HTTP status
 * are written. Numbers below 1_900_000 are ZEGO Express's own (see docs/sdk-contract.md; rows marked
 * "ZEGO's …" carry the ZegoErrorCode name of zego_express_engine), so apps that switch on ZEGO codes
 * keep working; MiniRTC's own codes, only for cases ZEGO documents no number for, live in
 * 1_990_000–1_999_999. `httpStatus` is what the HTTP API answers a refusal with (REST, HTTP-FLV),
 * and what a media refusal maps to (404 → RTMP `NotFound`, 409 → `BadName`, else `Unauthorized`).
 */
const ROWS = [
  [0, 'SUCCESS', 'success', 200],
  [1000002, 'NOT_LOGGED_IN', 'not logged in to the room', 403],
  [1000014, 'STREAM_ID_TOO_LONG', 'streamID is longer than 256 bytes'],
  [1000015, 'STREAM_ID_EMPTY', 'streamID is empty'],
  [1000016, 'STREAM_ID_ILLEGAL', 'streamID may only contain A-Z a-z 0-9 _ -'],
  [1000017, 'NETWORK_BROKEN', 'network broken'],
  [1001004, 'APP_ID_INVALID', 'AppID is invalid'],
  [1002001, 'TOO_MANY_ROOMS', 'too many rooms logged in'],
  [1002005, 'USER_ID_EMPTY', 'userID is empty'],
  [1002006, 'USER_ID_ILLEGAL', 'userID contains illegal characters'],
  [1002007, 'USER_ID_TOO_LONG', 'userID is longer than 64 bytes'],
  [1002008, 'USER_NAME_EMPTY', 'userName is empty'],
  [1002010, 'USER_NAME_TOO_LONG', 'userName is longer than 256 bytes'],
  [1002011, 'ROOM_ID_EMPTY', 'roomID is empty'],
  [1002012, 'ROOM_ID_ILLEGAL', 'roomID contains illegal characters'],
  [1002013, 'ROOM_ID_TOO_LONG', 'roomID is longer than 128 bytes'],
  [1002014, 'ROOM_NOT_EXIST', 'room does not exist', 404],
  [1002017, 'ROOM_EXTRA_INFO_KEY_TOO_LONG', 'room extra info key or value over the limit'],
  [1002018, 'MULTI_ROOM_USER_MISMATCH', 'multi-room login must use the same userID'],
  [1002031, 'LOGIN_TIMEOUT', 'login timed out'],
  [1002034, 'ROOM_FULL', 'room is full'],
  [1002050, 'KICKED_SAME_USER', 'kicked out: the same userID logged in elsewhere'],
  // ZEGO's RoomConnectTemporaryBroken: reported with CONNECTING while the SDK retries.
  [1002051, 'CONNECT_TEMPORARILY_BROKEN', 'connection temporarily broken, retrying'],
  [1002053, 'RELOGIN_FAILED', 'network broken and re-login failed'],
  [1002055, 'KICKED_BY_SERVER', 'kicked out by the server'],
  [1002056, 'REPEATED_LOGIN', 'repeated login'],
  [1002057, 'REPEATED_ENTER', 'repeated enter'],
  [1002058, 'ALREADY_LOGGED_IN', 'already logged in'],
  [1002066, 'USER_BLACKLISTED', 'user is blacklisted', 403],
  [1002099, 'ROOM_INNER_ERROR', 'room inner error', 500],
  [1003050, 'PUBLISH_EXTRA_INFO_NULL', 'stream extra info is null'],
  [1009001, 'MESSAGE_EMPTY', 'message is empty'],
  [1009002, 'MESSAGE_TOO_LONG', 'message is longer than 1024 bytes'],
  [1009010, 'MESSAGE_SEND_FAILED', 'message send failed'],
  [1100001, 'INVALID_PARAM', 'bad input parameter'],
  [1100002, 'NETWORK_TIMEOUT', 'network timeout'],
  [1100003, 'SOCKET_CLOSED', 'socket closed'],
  [1100005, 'HEARTBEAT_TIMEOUT_CLIENT', 'heartbeat timeout'],
  [1100006, 'CONNECT_TIMEOUT', 'connect timeout'],
  [1102001, 'HEARTBEAT_TIMEOUT', 'heartbeat timeout'],
  [1102011, 'JSON_PARSE_ERROR', 'message is not valid JSON'],
  [1102012, 'LOGIN_IN_PROGRESS', 'login already in progress'],
  [1102016, 'TOKEN_ERROR', 'token error', 401],
  [1102018, 'TOKEN_EXPIRED', 'token expired', 401],
  // The streamID is already published (or reserved) by another user of the same AppID.
  // ZEGO's PublisherErrorRepetitivePublishStream.
  [1003028, 'STREAM_ID_TAKEN', 'streamID is published by another user', 409],
  // A per-room or per-connection rate limit was exceeded.
  // ZEGO's RoomAppCallTooFrequent.
  [1002073, 'RATE_LIMITED', 'rate limit exceeded', 429],
  // The token does not grant the publish privilege (or not for this streamID).
  // ZEGO's PublisherErrorDispatchAuthError.
  [1003072, 'NO_PUBLISH_PRIVILEGE', 'token does not grant publishing', 403],
  // The token was made for another AppID.
  // ZEGO's RoomTokenAppidError.
  [1002076, 'TOKEN_APP_MISMATCH', 'token was made for another AppID', 403],
  // The token was made for another userID.
  // ZEGO's RoomTokenUseridError.
  [1002077, 'TOKEN_USER_MISMATCH', 'token was made for another userID', 403],
  // The token's payload names another room.
  // ZEGO's RoomErrorAuthenticationFailed.
  [1002033, 'TOKEN_ROOM_MISMATCH', 'token was made for another room', 403],
  // The token does not grant the login privilege.
  [1990013, 'NO_LOGIN_PRIVILEGE', 'token does not grant login', 403],
  // The token failed verification: not a token04, tampered, wrong secret, bad padding, not JSON, or
  // made for another AppID/userID. One code and one message for all, so replies leak nothing (no
  // padding oracle); the precise reason is in the error's `detail`, for the server log only.
  [1990014, 'TOKEN_MALFORMED', 'token is invalid', 401],
  // A WebSocket frame exceeded the size limit.
  [1990020, 'FRAME_TOO_LARGE', 'frame too large', 413],
  // A message `type` the server does not know.
  [1990021, 'UNKNOWN_MESSAGE_TYPE', 'unknown message type'],
  // Resume failed: the session is gone (grace window over) or the resume key is wrong.
  [1990030, 'SESSION_NOT_FOUND', 'session not found (grace window over)', 403],
  // The stream to play is not in the caller's room.
  [1990040, 'STREAM_NOT_IN_ROOM', 'stream is not in your room', 404],
  // The stream does not exist (not published by anyone).
  // ZEGO's PlayerPlayStreamNotExist.
  [1004002, 'STREAM_NOT_FOUND', 'stream not found', 404],
  // The caller does not own the stream it tries to change.
  [1990042, 'STREAM_NOT_OWNED', 'stream belongs to another user', 403],
  // A signed stream URL failed verification.
  [1990050, 'URL_SIGNATURE_INVALID', 'stream URL signature invalid', 403],
  // A signed stream URL has expired.
  [1990051, 'URL_EXPIRED', 'stream URL expired', 403],
  // The target user of a custom command is not in the room.
  [1990060, 'USER_NOT_IN_ROOM', 'user is not in the room', 404],
  // REST/server API: the request signature is missing or wrong.
  [1990070, 'API_SIGNATURE_INVALID', 'request signature missing or invalid', 401],
  // REST/server API: `Timestamp` is more than 10 minutes away from the server's clock.
  [1990071, 'API_TIMESTAMP_STALE', 'request timestamp outside the allowed window', 401],
  // REST/server API: this `SignatureNonce` was already used by the app within the window.
  [1990072, 'API_NONCE_REPLAYED', 'request nonce already used', 401],
  // REST API: the admin key is missing or wrong.
  [1990073, 'API_ADMIN_KEY_INVALID', 'admin key missing or invalid', 401],
  // REST/server API: the caller may not act on this app (or needs the admin key).
  [1990074, 'API_APP_FORBIDDEN', 'not allowed for this app', 403],
  // REST/server API: no app with this AppID.
  [1990075, 'API_APP_NOT_FOUND', 'app not found', 404],
  // REST/server API: no such endpoint, action or resource.
  [1990076, 'API_NOT_FOUND', 'not found', 404],
  // REST/server API: request body over the size limit.
  [1990077, 'API_BODY_TOO_LARGE', 'request body too large', 413],
  // Webhooks: the app has no callback URL.
  [1990078, 'WEBHOOK_NO_CALLBACK_URL', 'app has no callback URL'],
  // REST API: the configured app store cannot create, change or delete apps.
  [1990079, 'API_APPS_READ_ONLY', 'the app store is read-only', 501],
  // SDK: `<rtc-room>` reported that the RTMP push failed (onRtmpEvent 3801).
  // ZEGO's PublisherRtmpServerDisconnect.
  [1003029, 'MEDIA_PUSH_FAILED', 'the component reported that the push failed'],
  // SDK: `<rtc-room>` reported that the RTMP play failed (onRtmpEvent 3803).
  // ZEGO's PlayerPlayStreamFailed.
  [1004001, 'MEDIA_PLAY_FAILED', 'the component reported that the play failed'],
  // SDK: `checkSystemRequirements` found no `<rtc-room>` support in this runtime.
  // ZEGO's CommonPlatformNotSupported (not supported on this platform).
  [1000006, 'SYSTEM_REQUIREMENTS_UNMET', 'this runtime does not support <rtc-room>'],
  // An endpoint exists at this path, but not for this HTTP method.
  [1990083, 'API_METHOD_NOT_ALLOWED', 'method not allowed', 405],
  // `/httplog`: the log credential from the login reply is missing, forged or expired.
  [1990090, 'LOG_CREDENTIAL_INVALID', 'log credential missing or invalid', 401],
  // Webhooks: the callback URL points at a loopback, private, link-local, CGNAT, multicast or metadata address.
  [
    1990091,
    'WEBHOOK_DESTINATION_FORBIDDEN',
    'callback URL must not point at a private or internal address',
    400,
  ],
  // Several media nodes: nodes are registered, but every one is draining or gone.
  [1990095, 'MEDIA_NODE_UNAVAILABLE', 'no media node can take the stream now', 503],
  // The server is shutting down.
  [1990098, 'SERVER_SHUTDOWN', 'server is shutting down', 503],
  // Unexpected server-side failure.
  [1990099, 'INTERNAL_ERROR', 'internal error', 500],
] as const satisfies readonly (readonly [number, string, string, number?])[];

/**
 * The table as rows. Written above as `[code, name, message, httpStatus]` tuples (status 400 when left
 * out) only to keep the mini-program bundle small; this is the one list everything else derives from.
 */
export const ERROR_TABLE: readonly ErrorRow[] = ROWS.map(([code, name, message, httpStatus]) => ({
  code,
  name,
  message,
  httpStatus: httpStatus ?? 400,
}));

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

type Rows = (typeof ROWS)[number];

/** Error codes by name, derived from {@link ERROR_TABLE}. */
export const ErrorCode = codesByName() as {
  readonly [R in Rows as R[1]]: R[0];
};

// A plain loop: the mini-program bundle avoids ES2019+ built-ins (Object.fromEntries) older runtimes lack.
function codesByName(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of ROWS) out[r[1]] = r[0];
  return out;
}

/** Any known error code value. */
export type ErrorCodeValue = Rows[0];

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

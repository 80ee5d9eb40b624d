import { ErrorCode, MiniRtcError } from './errors.js';
import { utf8Length } from './utf8.js';

/** Longest roomID in bytes (ZEGO's limit). */
export const MAX_ROOM_ID_BYTES = 128;
/** Longest userID in bytes (ZEGO's limit). */
export const MAX_USER_ID_BYTES = 64;
/** Longest userName in bytes (ZEGO's limit). */
export const MAX_USER_NAME_BYTES = 256;
/** Longest streamID in bytes (ZEGO's limit). */
export const MAX_STREAM_ID_BYTES = 256;

// ZEGO allows digits, letters and these punctuation marks in room and user IDs; no spaces, no
// control characters, nothing that needs escaping in a URL path segment beyond these.
const ID_CHARS = /^[A-Za-z0-9~!@#$%^&*()_+=`;',.<>/\\-]+$/;
const STREAM_CHARS = /^[A-Za-z0-9_-]+$/;

/** Validates a roomID; throws {@link MiniRtcError} with ZEGO's code on failure. */
export function checkRoomID(roomID: unknown): string {
  if (typeof roomID !== 'string' || roomID.length === 0) throw new MiniRtcError(ErrorCode.ROOM_ID_EMPTY);
  if (utf8Length(roomID) > MAX_ROOM_ID_BYTES) throw new MiniRtcError(ErrorCode.ROOM_ID_TOO_LONG);
  if (!ID_CHARS.test(roomID)) throw new MiniRtcError(ErrorCode.ROOM_ID_ILLEGAL);
  return roomID;
}

/** Validates a userID; throws {@link MiniRtcError} with ZEGO's code on failure. */
export function checkUserID(userID: unknown): string {
  if (typeof userID !== 'string' || userID.length === 0) throw new MiniRtcError(ErrorCode.USER_ID_EMPTY);
  if (utf8Length(userID) > MAX_USER_ID_BYTES) throw new MiniRtcError(ErrorCode.USER_ID_TOO_LONG);
  if (!ID_CHARS.test(userID)) throw new MiniRtcError(ErrorCode.USER_ID_ILLEGAL);
  return userID;
}

/** Validates a userName (any characters, ≤ 256 bytes); an absent name falls back to the userID. */
export function checkUserName(userName: unknown, userID: string): string {
  if (userName === undefined || userName === null) return userID;
  if (typeof userName !== 'string')
    throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'userName must be a string');
  if (userName.length === 0) return userID;
  if (utf8Length(userName) > MAX_USER_NAME_BYTES) throw new MiniRtcError(ErrorCode.USER_NAME_TOO_LONG);
  return userName;
}

/** Validates a streamID (≤ 256 bytes of `[A-Za-z0-9_-]`); throws with ZEGO's code on failure. */
export function checkStreamID(streamID: unknown): string {
  if (typeof streamID !== 'string' || streamID.length === 0)
    throw new MiniRtcError(ErrorCode.STREAM_ID_EMPTY);
  if (streamID.length > MAX_STREAM_ID_BYTES) throw new MiniRtcError(ErrorCode.STREAM_ID_TOO_LONG);
  if (!STREAM_CHARS.test(streamID)) throw new MiniRtcError(ErrorCode.STREAM_ID_ILLEGAL);
  return streamID;
}

/** Validates an AppID: a positive 32-bit unsigned integer, as ZEGO issues them. */
export function checkAppID(appID: unknown): number {
  if (typeof appID !== 'number' || !Number.isInteger(appID) || appID <= 0 || appID > 0xffffffff) {
    throw new MiniRtcError(ErrorCode.APP_ID_INVALID);
  }
  return appID;
}

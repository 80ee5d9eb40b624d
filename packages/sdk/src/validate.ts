import {
  ErrorCode,
  Limits,
  MiniRtcError,
  checkRoomID,
  checkStreamID,
  checkUserID,
  checkUserName,
  utf8Length,
} from '@minirtc/protocol/lite';
import type { ZegoUserInput } from './types.js';

/**
 * Local argument checks with ZEGO's codes, run before anything goes on the wire: the app gets the
 * same error it would get from ZEGO, immediately, and the server never sees an obviously bad request.
 */

export { checkRoomID, checkStreamID };

/** Validates `loginRoom`'s user; returns it with `userName` defaulted to the userID. */
export function checkUser(user: unknown): { userID: string; userName: string } {
  if (typeof user !== 'object' || user === null) throw new MiniRtcError(ErrorCode.USER_ID_EMPTY);
  const u = user as ZegoUserInput;
  const userID = checkUserID(u.userID);
  return { userID, userName: checkUserName(u.userName, userID) };
}

/** Validates a token string (non-empty, within the size limit). */
export function checkToken(token: unknown): string {
  if (typeof token !== 'string' || token.length === 0)
    throw new MiniRtcError(ErrorCode.TOKEN_ERROR, 'token is empty');
  if (utf8Length(token) > Limits.TOKEN_MAX_BYTES)
    throw new MiniRtcError(ErrorCode.TOKEN_ERROR, 'token too long');
  return token;
}

/** Validates a broadcast / barrage / custom command payload (1009001 empty, 1009002 > 1 KB). */
export function checkMessage(message: unknown): string {
  if (typeof message !== 'string' || message.length === 0) throw new MiniRtcError(ErrorCode.MESSAGE_EMPTY);
  if (utf8Length(message) > Limits.MESSAGE_MAX_BYTES) throw new MiniRtcError(ErrorCode.MESSAGE_TOO_LONG);
  return message;
}

/** Validates the target list of a custom command. */
export function checkUserIDList(list: unknown): string[] {
  if (!Array.isArray(list) || list.length === 0)
    throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'toUserIDList must be a non-empty array');
  if (list.length > Limits.CUSTOM_COMMAND_MAX_TARGETS)
    throw new MiniRtcError(
      ErrorCode.INVALID_PARAM,
      `toUserIDList has more than ${Limits.CUSTOM_COMMAND_MAX_TARGETS} users`,
    );
  return list.map((id) => checkUserID(id));
}

/** Validates a room extra info key/value (1002017 when over ZEGO's 10 B / 128 B limits). */
export function checkRoomExtraInfo(key: unknown, value: unknown): { key: string; value: string } {
  if (typeof key !== 'string' || key.length === 0)
    throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'room extra info key is empty');
  if (typeof value !== 'string') throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'value must be a string');
  if (utf8Length(key) > Limits.ROOM_EXTRA_KEY_MAX_BYTES)
    throw new MiniRtcError(
      ErrorCode.ROOM_EXTRA_INFO_KEY_TOO_LONG,
      'room extra info key is longer than 10 bytes',
    );
  if (utf8Length(value) > Limits.ROOM_EXTRA_VALUE_MAX_BYTES)
    throw new MiniRtcError(
      ErrorCode.ROOM_EXTRA_INFO_KEY_TOO_LONG,
      'room extra info value is longer than 128 bytes',
    );
  return { key, value };
}

/** Validates stream extra info (1003050 when null, 1100001 when too long). */
export function checkStreamExtraInfo(extraInfo: unknown): string {
  if (extraInfo === null || extraInfo === undefined)
    throw new MiniRtcError(ErrorCode.PUBLISH_EXTRA_INFO_NULL);
  if (typeof extraInfo !== 'string')
    throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'extraInfo must be a string');
  if (utf8Length(extraInfo) > Limits.STREAM_EXTRA_INFO_MAX_BYTES)
    throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'extraInfo is longer than 1024 bytes');
  return extraInfo;
}

/** Turns anything thrown into a {@link MiniRtcError} (unknown failures become 1002099 / the given code). */
export function toMiniRtcError(err: unknown, fallback: number = ErrorCode.ROOM_INNER_ERROR): MiniRtcError {
  if (err instanceof MiniRtcError) return err;
  const e = err as { code?: unknown; msg?: unknown; message?: unknown } | undefined;
  if (e && typeof e.code === 'number') return new MiniRtcError(e.code, String(e.msg ?? e.message ?? ''));
  return new MiniRtcError(fallback, String(e?.message ?? err));
}

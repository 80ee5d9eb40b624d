import {
  ErrorCode,
  Limits,
  MiniRtcError,
  arr,
  bool,
  checkRoomID,
  checkStreamID,
  checkUserID,
  int,
  obj,
  optional,
  refine,
  str,
} from '@minirtc/protocol';
import type { QueryParam } from './route-types.js';

/** An http(s) URL, or '' (which clears a callback URL). */
const callbackUrl = refine(str({ maxBytes: 2048 }), (v) => {
  if (v === '') return v;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'callbackUrl must be an absolute http(s) URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'callbackUrl must be an http(s) URL');
  }
  return v;
});

/** A userID field: length-bounded and checked like the SDK checks it. */
export const userID = refine(str({ min: 1, maxBytes: 64 }), (v) => checkUserID(v));
/** A roomID field (shared by every API that names a room). */
export const roomID = refine(str({ min: 1, maxBytes: 128 }), (v) => checkRoomID(v));
/** A streamID field (shared by every API that names a stream). */
export const streamID = refine(str({ min: 1, maxBytes: 256 }), (v) => checkStreamID(v));
const message = str({ min: 1, maxBytes: 1024, tooLongCode: ErrorCode.MESSAGE_TOO_LONG });

/** Query parameters of the REST API (validated and documented like bodies). */
export const Q = {
  str: (name: string, description: string, maxBytes = 256): QueryParam => ({
    name,
    description,
    schema: str({ min: 1, maxBytes }),
  }),
  int: (name: string, description: string, min = 0, max = Number.MAX_SAFE_INTEGER): QueryParam => ({
    name,
    description,
    schema: int(min, max),
  }),
};

/** Request bodies of the REST API: they validate requests and generate the OpenAPI document. */
export const Bodies = {
  createApp: obj({
    name: str({ min: 1, maxBytes: 128 }),
    callbackUrl: optional(callbackUrl),
    maxRoomMembers: optional(int(0, 100_000)),
  }),
  updateApp: obj({
    name: optional(str({ min: 1, maxBytes: 128 })),
    callbackUrl: optional(callbackUrl),
    maxRoomMembers: optional(int(0, 100_000)),
    /** Refuse token04's CBC variant (GCM only). */
    refuseCbcTokens: optional(bool()),
    /** Refuse ZEGO-form signatures; require the MiniRTC-v2 signature (method, Action, body hash). */
    requireStrongSignature: optional(bool()),
  }),
  rotate: obj({ which: str({ enum: ['server', 'callback'] }) }),
  token: obj({
    userID,
    roomID: optional(roomID),
    publish: optional(bool()),
    streamIDs: optional(arr(streamID, 100)),
    ttlSeconds: optional(int(1, 30 * 86400)),
  }),
  kick: obj({ userIDs: arr(userID, 100), reason: optional(str({ maxBytes: 256 })) }),
  broadcast: obj({ fromUserID: userID, fromUserName: optional(str({ maxBytes: 256 })), message }),
  customCommand: obj({
    fromUserID: userID,
    fromUserName: optional(str({ maxBytes: 256 })),
    toUserIDs: arr(userID, Limits.CUSTOM_COMMAND_MAX_TARGETS),
    command: message,
  }),
  replay: obj({
    eventIds: optional(arr(str({ min: 1, maxBytes: 64 }), 1000)),
    from: optional(int(0)),
    to: optional(int(0)),
  }),
  empty: obj({}),
};

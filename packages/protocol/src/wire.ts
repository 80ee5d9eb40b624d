/**
 * Connection-level constants of the wire protocol (close codes, push types), apart from the message
 * schemas so that the SDK bundle can import them without the validators.
 */
import type { PushMessage } from './messages.js';

/** WebSocket close codes the server uses (4000–4999 is the application range). */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  POLICY: 1008,
  TOO_BIG: 1009,
  /** Kicked: same userID elsewhere. */
  KICKED: 4001,
  /** Heartbeat timeout. */
  HEARTBEAT: 4002,
  /** Too many bad or excess frames. */
  ABUSE: 4003,
  /** Logged out of every room. */
  LOGGED_OUT: 4004,
  /** No login within the login deadline (a socket without a session is not kept). */
  LOGIN_DEADLINE: 4005,
  /** Too many sockets without a session, from this address or in all. */
  TOO_MANY_UNAUTHENTICATED: 4006,
} as const;

/** The `type` of every server push (a message with a session `seq`). */
export const PUSH_TYPES = [
  'userUpdate',
  'streamUpdate',
  'onlineCount',
  'roomExtraInfo',
  'streamExtraInfo',
  'broadcast',
  'barrage',
  'customCommand',
  'kickout',
  'tokenWillExpire',
  'mediaUpdate',
] as const satisfies readonly PushMessage['type'][];

/** A push type: one of {@link PUSH_TYPES}. */
export type PushType = (typeof PUSH_TYPES)[number];

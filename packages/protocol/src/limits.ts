/** ZEGO's published limits for signaling, enforced by the server and checked early by the SDK. */
export const Limits = {
  /** Broadcast / barrage / custom command payload, bytes. */
  MESSAGE_MAX_BYTES: 1024,
  /** Broadcast messages per room per second. */
  BROADCAST_PER_SECOND: 10,
  /** Barrage messages per room per second. */
  BARRAGE_PER_SECOND: 20,
  /** Custom commands per second to one receiving user. */
  CUSTOM_COMMAND_PER_SECOND: 200,
  /** Room extra info key, bytes. */
  ROOM_EXTRA_KEY_MAX_BYTES: 10,
  /** Room extra info value, bytes. */
  ROOM_EXTRA_VALUE_MAX_BYTES: 128,
  /** Stream extra info, bytes. */
  STREAM_EXTRA_INFO_MAX_BYTES: 1024,
  /** Users named in one custom command. */
  CUSTOM_COMMAND_MAX_TARGETS: 100,
  /** One WebSocket frame, bytes (generous: the largest legal message is a few KB). */
  FRAME_MAX_BYTES: 16 * 1024,
  /** Tokens, bytes. */
  TOKEN_MAX_BYTES: 4096,
  /** Messages one connection may send per second before being told off (sustained rate). */
  CONNECTION_MESSAGES_PER_SECOND: 50,
  /** Burst allowance for the per-connection rate. */
  CONNECTION_MESSAGES_BURST: 100,
  /** Rooms one session may be in at once (multi-room). */
  MAX_ROOMS_PER_SESSION: 5,
} as const;

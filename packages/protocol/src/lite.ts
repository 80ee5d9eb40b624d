/**
 * The part of the protocol a client bundle needs: error codes and the error class, ID checks, limits,
 * UTF-8 length, close codes and push types, and the typed emitter. No message schemas (their
 * validators are built at import time and cannot be tree-shaken), nothing of Node. The mini-program
 * SDK imports only this entry.
 * @packageDocumentation
 */
export * from './errors.js';
export * from './ids.js';
export * from './limits.js';
export * from './utf8.js';
export * from './wire.js';
export * from './typed-emitter.js';
export type {
  LoginResult,
  PushMessage,
  RoomSnapshot,
  StreamUrlResult,
  WireRoomExtraInfo,
  WireStream,
  WireUser,
} from './messages.js';

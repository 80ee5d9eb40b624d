import type { ClientMessageType } from '@minirtc/protocol';
import type { Handler } from './context.js';
import { barrage, broadcast, customCommand, setRoomExtraInfo } from './message-handlers.js';
import { login, logout, ping, renewToken, resume } from './session-handlers.js';
import { mediaState, play, publish, setStreamExtraInfo, stopPlay, stopPublish } from './stream-handlers.js';

export type { Caller, Handler, HandlerContext, Outcome } from './context.js';

/** One handler per client message type; the `satisfies` makes a missing type a compile error. */
export const handlers = {
  login,
  resume,
  logout,
  ping,
  renewToken,
  publish,
  stopPublish,
  play,
  stopPlay,
  broadcast,
  barrage,
  customCommand,
  setRoomExtraInfo,
  setStreamExtraInfo,
  mediaState,
} satisfies { [K in ClientMessageType]: Handler<K> };

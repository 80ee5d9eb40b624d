import type { ZegoEvents } from './types.js';

/**
 * Every event name the engine emits, at run time: `on()` refuses (false, and a warning) a name that
 * is not here, so an app listening for an event MiniRTC never fires learns it at once instead of
 * waiting forever. The `satisfies` check keeps this list and {@link ZegoEvents} in step.
 */
const names = {
  roomStateUpdate: true,
  roomStateChanged: true,
  roomUserUpdate: true,
  roomStreamUpdate: true,
  roomOnlineUserCountUpdate: true,
  roomExtraInfoUpdate: true,
  recvReliableMessage: true,
  streamExtraInfoUpdate: true,
  tokenWillExpire: true,
  publisherStateUpdate: true,
  playerStateUpdate: true,
  publishQualityUpdate: true,
  playQualityUpdate: true,
  IMRecvBroadcastMessage: true,
  IMRecvBarrageMessage: true,
  IMRecvCustomCommand: true,
} as const satisfies Record<keyof ZegoEvents, true>;

const NAME_SET: ReadonlySet<string> = new Set(Object.keys(names));

/** True when `name` is an event of {@link ZegoEvents}. */
export function isZegoEvent(name: unknown): name is keyof ZegoEvents {
  // Not Object.hasOwn (ES2022) nor `in` (it sees `toString`): the bundle targets ES2015 runtimes.
  return typeof name === 'string' && NAME_SET.has(name);
}

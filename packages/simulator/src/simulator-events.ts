import type { ConsoleEntry } from './mini-program-context.js';
import type { UiCall } from './my-api.js';
import type { RtcRoom, RtcRoomContextCall } from './rtc-room.js';

/** Events of an instance; every payload is a plain object. */
export type SimulatorEvents = {
  console: ConsoleEntry & { name: string };
  /** A UI-only `my.*` call (toast, alert, navigation …). */
  ui: UiCall;
  /** App code threw in a callback, or a template failed to render. The device would only log it. */
  error: { error: unknown; where: string };
  render: { route: string; count: number };
  rtcRoomMounted: { id: string; room: RtcRoom };
  rtcRoomUnmounted: { id: string; room: RtcRoom };
  /** An `onRtmpEvent` the emulated `<rtc-room>` raised (3800–3803). */
  rtmpEvent: { id: string; code: number; message: string };
  /** Any event an `<rtc-room>` raised (`onRtmpEvent`, `onFirstRender`, `onRenderStop`), as dispatched. */
  rtcRoomEvent: { id: string; event: string; detail: Record<string, unknown> };
  /** The `<rtc-room>` decoded its first video frame (`onFirstRender`). */
  firstRender: { id: string };
  /** A `RtcRoomContext` method was called. */
  rtcRoomContext: RtcRoomContextCall;
  /** Media counters of a room changed. */
  mediaProgress: { id: string };
  /** A media process of a room ended: stopped with the room, killed by a network drop, or failed. */
  mediaExit: { id: string; role: 'push' | 'pull'; code: number | null; signal: string | null };
  network: { online: boolean };
  /** App code ran (a callback, a timer); carries nothing, exists so waits re-check their condition. */
  activity: undefined;
  page: { route: string; action: 'load' | 'ready' | 'show' | 'hide' | 'unload' };
  /** A device network rule was broken: refused (`--device-rules`) or allowed; once per rule and origin. */
  warning: { rule: string; text: string };
  /** An event of the app's `ZegoExpressEngine` (`roomStateUpdate`, `playerStateUpdate`, …), as emitted. */
  sdkEvent: { name: string; args: unknown[] };
};

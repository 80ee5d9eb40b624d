/**
 * @minirtc/simulator — runs a real Alipay mini-program directory in Node: `App`/`Page`/`getApp`, `my.*`
 * over real sockets and HTTP, AXML rendering, and an `<rtc-room>` whose media is real ffmpeg.
 */
export type { AxmlAttr, AxmlElement, AxmlNode, AxmlText } from './axml-parser.js';
export { parseAxml } from './axml-parser.js';
export type { RenderElement, RenderNode, RenderText } from './axml-render.js';
export { allElements, interpolate, renderAxml, textContent } from './axml-render.js';
export { SimulatorError, SimulatorErrorCode, type SimulatorErrorCodeValue } from './errors.js';
export { evaluate, type Expr, parseExpression } from './expression.js';
export {
  FfmpegMedia,
  type FfmpegMediaOptions,
  ffmpegArgs,
  type MediaRole,
  type MediaStats,
} from './ffmpeg-media.js';
export type { ConsoleEntry } from './mini-program-context.js';
export { DEFAULT_SYSTEM_INFO, SIMULATED_SDK_VERSION, type UiCall } from './my-api.js';
export { RequestError } from './my-request.js';
export { PageInstance } from './page-instance.js';
export { RtcRoom, type RtcRoomContextCall, type RtcRoomStats, RtmpEventCode } from './rtc-room.js';
export {
  runSimulation,
  type Simulation,
  type SimulationEvent,
  type SimulationOptions,
} from './run-simulation.js';
export { applySetData, type PathSegment, parseSetDataPath, setAtPath } from './set-data-path.js';
export { Simulator, type SimulatorOptions } from './simulator.js';
export type { SimulatorEvents } from './simulator-events.js';
export { type EventMap, type Payloads, TypedEmitter } from '@minirtc/protocol/emitter';
export { DEFAULT_WAIT_MS, type Observable, type WaitOptions, waitForEvent, waitUntil } from './wait-for.js';

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
export { DEFAULT_SYSTEM_INFO, type DialogAnswers, SIMULATED_SDK_VERSION, type UiCall } from './my-api.js';
export { RequestError } from './my-request.js';
export {
  checkDeviceUrl,
  type DeviceRules,
  type RuleBreak,
  REQUEST_REFUSED,
  SOCKET_REFUSED,
} from './device-rules.js';
export { KNOWN_COMPONENTS, REFUSED_APIS, SYNC_APIS } from './my-api-audit.js';
export { type InputTarget, PageInstance } from './page-instance.js';
export { type NavigationPlan, resolveRoute } from './page-stack.js';
export { runScenario, type ScenarioResult, type ScenarioRunOptions } from './run-scenario.js';
export {
  loadScenarioFile,
  parseScenario,
  type Scenario,
  type ScenarioAssert,
  type ScenarioExpect,
  ScenarioSchema,
  type ScenarioStep,
  type ScenarioUser,
  type ScenarioWait,
  substitute,
} from './scenario.js';
export { formatSummary, type UserSummary, UserStats } from './user-stats.js';
export { RtcRoom, type RtcRoomContextCall, type RtcRoomStats, RtmpEventCode } from './rtc-room.js';
export {
  describeEvent,
  runSimulation,
  type Simulation,
  type SimulationEvent,
  type SimulationOptions,
} from './run-simulation.js';
export { applySetData, type PathSegment, parseSetDataPath, setAtPath } from './set-data-path.js';
export { DEFAULT_STEP_MS, SDK_EVENT_NAMES, Simulator, type SimulatorOptions } from './simulator.js';
export type { SimulatorEvents } from './simulator-events.js';
export { type EventMap, type Payloads, TypedEmitter } from '@minirtc/protocol/emitter';
export { DEFAULT_WAIT_MS, type Observable, type WaitOptions, waitForEvent, waitUntil } from './wait-for.js';

import type { ZegoLogLevel } from './types.js';

/** Numeric order of levels; `report` sits above `error` (ZEGO uses it for "only reports"). */
export const LOG_LEVEL_ORDER: Record<ZegoLogLevel, number> = {
  debug: 0,
  info: 1,
  warn: 2,
  error: 3,
  report: 4,
  disable: 5,
};

/** One log entry. */
export interface LogEntry {
  time: number;
  level: Exclude<ZegoLogLevel, 'disable'>;
  tag: string;
  msg: string;
  data?: unknown;
}

/** Where the engine's internals write their logs. */
export interface Logger {
  debug(tag: string, msg: string, data?: unknown): void;
  info(tag: string, msg: string, data?: unknown): void;
  warn(tag: string, msg: string, data?: unknown): void;
  error(tag: string, msg: string, data?: unknown): void;
}

/** A logger that drops everything (unit tests, internals created before the engine's). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

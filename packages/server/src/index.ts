/**
 * MiniRTC signaling server: WebSocket signaling compatible with what ZEGO Express apps expect, room
 * state, signed media grants and the bridge a media gateway plugs into.
 * @packageDocumentation
 */
export { type AppRecord, type AppStore, MemoryAppStore } from './app-store.js';
export type { ServerEvents } from './events.js';
export { type HttpHandler, sendJson } from './http-router.js';
export type { LogEntry, LogFilter, LogIntakeOptions } from './log-intake.js';
export { createConsoleLogger, type Logger, type LogLevel, silentLogger } from './logger.js';
export type { AuthorizeResult, MediaBridge, MediaController } from './media-bridge.js';
export { KeyedLimiter, TokenBucket } from './rate-limiter.js';
export { MiniRtcServer, type RateLimits, type RoomSummary, type ServerOptions } from './server.js';

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
export type { MediaEvent } from './events.js';
export { Operations, type OperationsOptions } from './operations.js';
export { DEFAULT_SECURITY, type SecurityOptions } from './security/options.js';
export { issueLogCredential, verifyLogCredential } from './security/log-credential.js';
export { forbiddenAddress, forbiddenUrl } from './security/ssrf-guard.js';
export { STRONG_SIGNATURE_VERSION, sha256Hex, strongSignature } from './security/strong-signature.js';
export { type Db, openDatabase } from './store/database.js';
export {
  type AppPatch,
  type ManagedAppStore,
  type NewApp,
  SqliteAppStore,
  isManaged,
} from './store/sqlite-app-store.js';
export type { WebhookOptions } from './webhooks/dispatcher.js';
export { verifyWebhookSignature, webhookSignature } from './webhooks/signature.js';
export { apiSignature } from './api/auth.js';
export type { MediaStatsProvider, MediaStreamStat } from './metrics/server-metrics.js';

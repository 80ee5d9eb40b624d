/**
 * MiniRTC signaling server: WebSocket signaling compatible with what ZEGO Express apps expect, room
 * state, signed media grants and the bridge a media gateway plugs into.
 * @packageDocumentation
 */
export { type AppRecord, type AppStore, MemoryAppStore } from './app-store.js';
export type { ServerEvents } from './events.js';
export type { RawHandler as HttpHandler } from './http/http-app.js';
export type { FlvHandler } from './http/routes.js';
export type { TlsFiles } from './http/tls-reloader.js';
export { type AddressResolver, createAddressResolver } from './http/client-address.js';
export type { LogEntry, LogFilter, LogIntakeOptions } from './http/log-intake.js';
export { type Logger, type LogLevel, bindLogger, silentLogger } from './logger.js';
export {
  type CheckResult,
  type ReadinessCheck,
  type ReadinessReport,
  Readiness,
} from './http/readiness.js';
export { redisPing } from './cluster/redis-readiness.js';
export { type NodeLocator, localNodeLocator } from './api/node-locator.js';
export type { AuthorizeResult, MediaBridge, MediaController } from './core/media-port.js';
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
  CachedAppStore,
  type ManagedAppStore,
  type NewApp,
  SqliteAppStore,
  isManaged,
} from './store/sqlite-app-store.js';
export { PgStores } from './store/pg-stores.js';
export { migrationsFor } from './store/migrations.js';
export type { WebhookOptions } from './webhooks/dispatcher.js';
export { verifyWebhookSignature, webhookSignature } from './webhooks/signature.js';
export { apiSignature } from './api/auth.js';
export type { MediaStatsProvider, MediaStreamStat } from './metrics/server-metrics.js';
export type { GopMemory } from './metrics/gop-memory-metric.js';
export { SIGNALING_DEFAULTS } from './defaults.js';
export { DEFAULT_FANOUT_SLICE, DEFAULT_PUSH_BACKLOG_MAX } from './core/model.js';
export {
  type EmbeddedGatewayOptions,
  type MediaTag,
  type MiniRtcNode,
  type NodeOptions,
  RemoteAuthorizer,
  type RemoteTag,
  gatewayStats,
  linkEmbeddedGateway,
  linkRemoteSignaling,
  refusal,
  signalingAuthorizer,
  signedUrlAuthorizer,
  startNode,
  tagOf,
} from './media-link/index.js';
export type { RecordingOptions, RecordingStorage } from './recording/recording-service.js';
export { RecordingService } from './recording/recording-service.js';
export { signRecordingPath, verifyRecordingLink } from './recording/download-urls.js';
export type { MixingOptions, MixTaskView } from './mixing/mix-service.js';
export { MixService } from './mixing/mix-service.js';
export { S3Storage, type S3StorageOptions } from './recording/s3-storage.js';
export {
  type ConnectedMediaDirectory,
  MediaDirectory,
  type MediaDirectoryOptions,
  type MediaNodeView,
  connectMediaDirectory,
} from './cluster/media-directory.js';
export {
  HEARTBEAT_TTL_BEATS,
  type HeldStream,
  type MediaHeartbeatOptions,
  MediaNodeHeartbeat,
} from './cluster/media-heartbeat.js';
export { mediaKeys } from './cluster/media-keys.js';
export type { MediaPlacement, NodeBases } from './core/placement-port.js';
export { SignalingCluster, type SignalingClusterOptions } from './cluster/signaling-cluster.js';
export { connectRedis, defaultNodeId } from './cluster/redis-connect.js';

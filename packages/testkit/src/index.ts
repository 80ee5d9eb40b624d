/**
 * Helpers for MiniRTC's real-process tests: ffmpeg as publisher and frame-counting player, and a log of
 * a ZegoExpressEngine's events to wait on. Test-only; no package's runtime code imports it.
 * @packageDocumentation
 */
export * from './ffmpeg.js';
export * from './engine-events.js';
export * from './certs.js';
export * from './admin-api.js';
export * from './redis.js';
export * from './postgres.js';
export * from './until.js';
export * from './tamper.js';
export * from './listen-backlog.js';

/**
 * The signaling defaults, written once: {@link MiniRtcServer} falls back to them, and the CLI's
 * configuration starts from them.
 */
export const SIGNALING_DEFAULTS = {
  /** Loopback: nothing is exposed until the operator says so. */
  host: '127.0.0.1',
  /** HTTP + WebSocket port. */
  port: 8080,
  /** Client ping interval, sent in the login reply. */
  heartbeatMs: 10_000,
  /** No frame for this long → close 4002. */
  heartbeatTimeoutMs: 30_000,
  /** How long a dropped session is held for resume. */
  resumeGraceMs: 30_000,
  /** Lifetime of signed push/play URLs, seconds. */
  urlTtlSeconds: 600,
} as const;

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

/**
 * Accept-queue length asked of the kernel for the signaling listener (Linux caps it at
 * `net.core.somaxconn`, 4096 by default since 5.4). Node's default is 511: in a burst of connections,
 * such as every client of a node reconnecting after a network blip, the SYNs past it were dropped
 * and those clients waited a full second to retry (seen as 1 s logins in `minirtc loadtest`). Go
 * servers such as LiveKit's take somaxconn; nginx asks 511 but accepts in a tight loop.
 */
export const LISTEN_BACKLOG = 4096;

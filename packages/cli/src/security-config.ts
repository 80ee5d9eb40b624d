import { bool, int, obj } from '@minirtc/protocol';
import type { MediaServerOptions } from '@minirtc/rtmp';
import { DEFAULT_SECURITY, type SecurityOptions } from '@minirtc/server';

const ms = (max: number) => int(0, max);
const count = int(1, 10_000_000);
const MiB = 1024 * 1024;

/**
 * The `security.*` config keys: every limit on what an anonymous peer can make the node hold or do
 * (docs/security.md explains each). Defaults are the safe values; raise them only with a reason.
 */
export const securitySchema = obj({
  /** Failed logins one source address may make at once, then `loginFailuresPerMinutePerAddress` more per minute. */
  loginFailureBurstPerAddress: count,
  loginFailuresPerMinutePerAddress: int(0, 1_000_000),
  /** Failed logins one AppID may see at once, then per minute; past it failures get the rate-limit code. */
  loginFailureBurstPerApp: count,
  loginFailuresPerMinutePerApp: int(0, 10_000_000),
  /** Token failures are answered this long after the login arrived (equal timing for every failure). */
  tokenFailureReplyMs: ms(5000),
  /** A WebSocket with no session is closed after this long. */
  wsLoginDeadlineMs: int(500, 600_000),
  /** WebSockets with no session per address, and in all. */
  wsUnauthenticatedPerAddress: count,
  wsUnauthenticatedGlobal: count,
  /** `/httplog` entries per address and per AppID: at once, and per minute after that. */
  httplogBurstPerAddress: count,
  httplogPerMinutePerAddress: int(0, 10_000_000),
  httplogBurstPerApp: count,
  httplogPerMinutePerApp: int(0, 100_000_000),
  /** Lifetime of the `/httplog` credential given in login replies, seconds. */
  httplogCredentialTtlSeconds: int(60, 30 * 86400),
  /** Allow webhook destinations on loopback/private/link-local/CGNAT addresses (on-premises receivers). */
  webhookAllowPrivate: bool(),
  /** RTMP: from accept to an authorized publish/play. */
  rtmpAuthDeadlineMs: int(500, 600_000),
  /** RTMP connections not yet authorized, per address and in all (authorized ones never count). */
  rtmpUnauthorizedPerAddress: count,
  rtmpUnauthorizedGlobal: count,
  /** Partial-message bytes one unauthorized RTMP connection may hold. */
  rtmpPreAuthBufferBytes: int(1024, 16 * MiB),
  /** Partial-message bytes all unauthorized RTMP connections together may hold. */
  rtmpPreAuthBufferTotalBytes: int(64 * 1024, 4096 * MiB),
  /** Partial-message bytes all RTMP connections together may hold. */
  rtmpPendingBytesTotal: int(MiB, 64 * 1024 * MiB),
  /** An RTMP peer holding part of a message without completing one for this long is closed. */
  rtmpSlowPeerMs: int(500, 600_000),
  /** A live publisher that sent media this recently is never taken over (replayed push URL). */
  takeoverSilenceMs: ms(600_000),
});

/**
 * Defaults of the `security.*` keys: the signaling server's own defaults ({@link DEFAULT_SECURITY}, one
 * source of truth) plus the RTMP gateway's.
 */
export const defaultSecurityConfig = {
  ...DEFAULT_SECURITY,
  rtmpAuthDeadlineMs: 10_000,
  rtmpUnauthorizedPerAddress: 16,
  rtmpUnauthorizedGlobal: 1000,
  rtmpPreAuthBufferBytes: 64 * 1024,
  rtmpPreAuthBufferTotalBytes: 8 * MiB,
  rtmpPendingBytesTotal: 256 * MiB,
  rtmpSlowPeerMs: 10_000,
  takeoverSilenceMs: 2000,
};

/** The `security` section as validated. */
export type SecurityConfig = typeof defaultSecurityConfig;

/** The signaling server's share of the `security` section: exactly the keys of {@link SecurityOptions}. */
export function serverSecurity(s: SecurityConfig): SecurityOptions {
  const keys = Object.keys(DEFAULT_SECURITY) as (keyof SecurityOptions)[];
  return Object.fromEntries(keys.map((k) => [k, s[k]])) as unknown as SecurityOptions;
}

/** The embedded gateway's share of the `security` section. */
export function mediaSecurity(s: SecurityConfig): Pick<MediaServerOptions, 'guard' | 'takeoverSilenceMs'> {
  return {
    guard: {
      authDeadlineMs: s.rtmpAuthDeadlineMs,
      maxUnauthorizedPerAddress: s.rtmpUnauthorizedPerAddress,
      maxUnauthorized: s.rtmpUnauthorizedGlobal,
      preAuthMaxPendingBytes: s.rtmpPreAuthBufferBytes,
      preAuthPendingBytesTotal: s.rtmpPreAuthBufferTotalBytes,
      pendingBytesTotal: s.rtmpPendingBytesTotal,
      slowPeerMs: s.rtmpSlowPeerMs,
    },
    takeoverSilenceMs: s.takeoverSilenceMs,
  };
}

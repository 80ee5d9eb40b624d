/**
 * The signaling server's security limits. Each has a safe default; `minirtc` maps the `security.*`
 * config keys onto these (docs/security.md lists them with what they bound).
 */
export interface SecurityOptions {
  /** Failed logins one source address may make at once before being refused (rate-limit code, close). */
  loginFailureBurstPerAddress: number;
  /** …and how many more it earns per minute. */
  loginFailuresPerMinutePerAddress: number;
  /** Failed logins one AppID may see at once before further failures are answered with the rate-limit code. */
  loginFailureBurstPerApp: number;
  /** …and how many more per minute. */
  loginFailuresPerMinutePerApp: number;
  /** A token failure is answered no sooner than this after the login arrived, so timing tells nothing. */
  tokenFailureReplyMs: number;
  /** A WebSocket with no session is closed after this long (4005). */
  wsLoginDeadlineMs: number;
  /** WebSockets with no session one address may hold. */
  wsUnauthenticatedPerAddress: number;
  /** WebSockets with no session, all addresses together. */
  wsUnauthenticatedGlobal: number;
  /** `/httplog` entries one address may post at once, and per minute after that. */
  httplogBurstPerAddress: number;
  httplogPerMinutePerAddress: number;
  /** `/httplog` entries one AppID may receive at once, and per minute after that. */
  httplogBurstPerApp: number;
  httplogPerMinutePerApp: number;
  /** Lifetime of the `/httplog` credential handed out at login, seconds. */
  httplogCredentialTtlSeconds: number;
  /** Webhook destinations on loopback/private/link-local/CGNAT addresses allowed (on-premises receivers). */
  webhookAllowPrivate: boolean;
}

/** Defaults of {@link SecurityOptions}. */
export const DEFAULT_SECURITY: SecurityOptions = {
  loginFailureBurstPerAddress: 20,
  loginFailuresPerMinutePerAddress: 10,
  loginFailureBurstPerApp: 200,
  loginFailuresPerMinutePerApp: 600,
  tokenFailureReplyMs: 25,
  wsLoginDeadlineMs: 10_000,
  wsUnauthenticatedPerAddress: 32,
  wsUnauthenticatedGlobal: 2000,
  httplogBurstPerAddress: 2000,
  httplogPerMinutePerAddress: 2000,
  httplogBurstPerApp: 20_000,
  httplogPerMinutePerApp: 20_000,
  httplogCredentialTtlSeconds: 86_400,
  webhookAllowPrivate: false,
};

/** {@link DEFAULT_SECURITY} with `o` on top. */
export function resolveSecurity(o: Partial<SecurityOptions> | undefined): SecurityOptions {
  return { ...DEFAULT_SECURITY, ...o };
}

/** Backoff settings for reconnecting. */
export interface BackoffOptions {
  /** Delay before the second attempt, ms (the first retry after a drop is immediate). */
  baseMs: number;
  /** Upper bound of any delay, ms. */
  maxMs: number;
  /** Fraction of the delay randomised, 0–1: spreads a crowd of clients after a server restart. */
  jitter: number;
}

/** Defaults: 0, ~500 ms, ~1 s, ~2 s … capped at 8 s. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 8000, jitter: 0.3 };

/**
 * Delay before reconnect attempt `attempt` (0-based). Attempt 0 is immediate because most drops are
 * momentary; later ones grow exponentially with "equal jitter": `d * (1 - jitter) + d * jitter * random`,
 * so the delay never falls below `(1 - jitter)` of the nominal value and never exceeds `maxMs`.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number): number {
  if (attempt <= 0) return 0;
  const nominal = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt - 1, 30));
  const j = Math.max(0, Math.min(1, opts.jitter));
  const r = Math.max(0, Math.min(1, random()));
  return Math.round(nominal * (1 - j) + nominal * j * r);
}

/** Which server of the list attempt `attempt` uses: round-robin, starting with the first. */
export function serverForAttempt(servers: readonly string[], attempt: number): string {
  if (servers.length === 0) throw new Error('no server');
  return servers[attempt % servers.length] as string;
}

import { DEFAULT_BACKOFF, backoffDelay } from './backoff.js';
import type { BackoffOptions } from './backoff.js';

/** What a {@link ReconnectPolicy} is told before each connect attempt. */
export interface ReconnectContext {
  /** 0-based number of the attempt about to be made (0: the first try after a drop or `open`). */
  readonly retryCount: number;
  /** Time since this connect (or reconnect) phase began, ms. */
  readonly elapsedMs: number;
  /** The time budget of this phase, ms: the login timeout, or the reconnect window after a drop. */
  readonly windowMs: number;
  /** Whether the link was up before (a reconnect) or never was (first connect). */
  readonly reconnecting: boolean;
}

/**
 * Decides when the connection tries again, modelled on LiveKit's `ReconnectPolicy`: the delay before
 * the next attempt in ms, or `null` to give up (the SDK then reports 1002053 after a drop, or a
 * network error on first connect).
 */
export interface ReconnectPolicy {
  nextRetryDelayInMs(context: ReconnectContext): number | null;
}

/**
 * The default policy: exponential backoff with jitter ({@link backoffDelay}: 0, ~500 ms, ~1 s … ≤ 8 s),
 * giving up when the next attempt would start after the phase's window.
 */
export class DefaultReconnectPolicy implements ReconnectPolicy {
  private readonly backoff: BackoffOptions;

  /**
   * @param backoff delays (defaults: {@link DEFAULT_BACKOFF})
   * @param random jitter source in [0, 1) (the platform's, so tests can fix it)
   */
  constructor(
    backoff: Partial<BackoffOptions> = {},
    private readonly random: () => number = Math.random,
  ) {
    this.backoff = { ...DEFAULT_BACKOFF, ...backoff };
  }

  nextRetryDelayInMs(ctx: ReconnectContext): number | null {
    const delay = backoffDelay(ctx.retryCount, this.backoff, this.random);
    if (ctx.retryCount > 0 && ctx.elapsedMs + delay > ctx.windowMs) return null;
    return delay;
  }
}

/** Monotonic milliseconds; injectable so limiter tests need no real time. */
export type Clock = () => number;

const monotonic: Clock = () => performance.now();

/**
 * A token bucket: `ratePerSecond` sustained, `burst` at once. Used for ZEGO's per-room message limits,
 * the per-connection frame limit and the abuse meter, because it allows short natural bursts while
 * bounding the average exactly.
 */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number = ratePerSecond,
    private readonly clock: Clock = monotonic,
  ) {
    this.#tokens = burst;
    this.#last = clock();
  }

  #refill(): void {
    const now = this.clock();
    const elapsed = now - this.#last;
    this.#last = now;
    if (elapsed > 0)
      this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.ratePerSecond) / 1000);
  }

  /** Takes `n` tokens if available; false (and nothing taken) otherwise. */
  take(n = 1): boolean {
    this.#refill();
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }

  /** Whether `n` tokens are available now, without taking them (to check several buckets atomically). */
  has(n = 1): boolean {
    this.#refill();
    return this.#tokens >= n;
  }

  /** Tokens available now (fractional). */
  get available(): number {
    this.#refill();
    return this.#tokens;
  }
}

/**
 * Token buckets by key, created on first use and forgotten when full again, so a per-target limit
 * over many targets costs memory only for targets that are actually being hit.
 */
export class KeyedLimiter {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number = ratePerSecond,
    private readonly clock: Clock = monotonic,
  ) {}

  #bucket(key: string): TokenBucket {
    let b = this.#buckets.get(key);
    if (!b) {
      b = new TokenBucket(this.ratePerSecond, this.burst, this.clock);
      this.#buckets.set(key, b);
      if (this.#buckets.size > 1024) this.#sweep();
    }
    return b;
  }

  #sweep(): void {
    for (const [k, b] of this.#buckets) if (b.available >= b.burst) this.#buckets.delete(k);
  }

  /** Whether every key has a token, without taking any. */
  hasAll(keys: readonly string[]): boolean {
    return keys.every((k) => this.#bucket(k).has());
  }

  /** Takes one token for `key`. */
  take(key: string): boolean {
    return this.#bucket(key).take();
  }

  /** Number of keys currently tracked (tests, metrics). */
  get size(): number {
    return this.#buckets.size;
  }
}

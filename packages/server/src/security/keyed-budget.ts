import { type Clock, TokenBucket } from '../rate-limiter.js';

/**
 * Token buckets by key that can spend several tokens at once (a log batch costs one per entry).
 * Keys are forgotten once full again, so memory follows only the keys being hit; past `maxKeys`
 * tracked keys the full ones are swept first and, if that is not enough, the whole map is reset
 * (an attacker rotating keys must not grow it without end).
 */
export class KeyedBudget {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    readonly perMinute: number,
    readonly burst: number,
    private readonly maxKeys = 10_000,
    private readonly clock?: Clock,
  ) {}

  /** Spends `n` tokens of `key`; false (nothing spent) when it has fewer. */
  take(key: string, n = 1): boolean {
    let b = this.#buckets.get(key);
    if (!b) {
      if (this.#buckets.size >= this.maxKeys) this.#sweep();
      b = new TokenBucket(this.perMinute / 60, this.burst, this.clock);
      this.#buckets.set(key, b);
    }
    return b.take(n);
  }

  /** Whether `key` has `n` tokens, without spending them. */
  has(key: string, n = 1): boolean {
    return this.#buckets.get(key)?.has(n) ?? n <= this.burst;
  }

  #sweep(): void {
    for (const [k, b] of this.#buckets) if (b.available >= b.burst) this.#buckets.delete(k);
    if (this.#buckets.size >= this.maxKeys) this.#buckets.clear();
  }
}

/**
 * A byte budget shared by many chunk readers: bytes of partially received messages, server-wide.
 * Without it each connection's own limit multiplies by the number of connections; with it, what all
 * peers together can make the server hold is one number. Readers take before buffering and give back
 * when a message completes or the connection goes.
 */
export class PendingBudget {
  #used = 0;

  constructor(readonly limit: number) {}

  /** Takes `n` bytes if they fit; false (nothing taken) otherwise. */
  tryTake(n: number): boolean {
    if (this.#used + n > this.limit) return false;
    this.#used += n;
    return true;
  }

  /** Counts `n` bytes that are already held, even past the limit (moved in from another budget). */
  force(n: number): void {
    this.#used += n;
  }

  /** Gives back `n` bytes taken earlier. */
  give(n: number): void {
    this.#used = Math.max(0, this.#used - n);
  }

  /** Bytes in use now. */
  get used(): number {
    return this.#used;
  }
}

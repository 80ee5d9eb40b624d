/**
 * Counts what the security limits refused, by reason (`login_budget_address`, `ws_unauth_cap`,
 * `webhook_private_destination` …), for the `minirtc_security_refusals_total` counter. A plain map:
 * reasons are a fixed vocabulary chosen by the server, never by a peer, so it stays small.
 */
export class RefusalCounter {
  readonly #counts = new Map<string, number>();

  /** Counts one refusal (or `by`) for `reason`. */
  inc(reason: string, by = 1): void {
    this.#counts.set(reason, (this.#counts.get(reason) ?? 0) + by);
  }

  /** Refusals so far for `reason`. */
  get(reason: string): number {
    return this.#counts.get(reason) ?? 0;
  }

  /** Every reason with its count. */
  entries(): [string, number][] {
    return [...this.#counts];
  }
}

import { PendingBudget } from './pending-budget.js';

/** What an RTMP peer may do before an authorized publish/play, and in all. */
export interface RtmpGuardOptions {
  /** From accept to an authorized publish or play (default 10000 ms); then the socket is closed. */
  authDeadlineMs?: number;
  /** Unauthorized connections one address may hold (default 16). */
  maxUnauthorizedPerAddress?: number;
  /** Unauthorized connections, all addresses together (default 1000); authorized ones never count. */
  maxUnauthorized?: number;
  /** Partial-message bytes an unauthorized connection may hold (default 64 KiB). */
  preAuthMaxPendingBytes?: number;
  /** Partial-message bytes all unauthorized connections together may hold (default 8 MiB). */
  preAuthPendingBytesTotal?: number;
  /** Partial-message bytes all connections together may hold (default 256 MiB). */
  pendingBytesTotal?: number;
  /** A connection holding a partial message with no complete message for this long is closed (default 10000 ms). */
  slowPeerMs?: number;
}

/**
 * The shared state of the pre-authorization limits: unauthorized connections per address and in
 * all, the two partial-message budgets, and the refusal counts for `/metrics`. One per RTMP server.
 */
export class RtmpGuard {
  readonly authDeadlineMs: number;
  readonly preAuthMaxPendingBytes: number;
  readonly slowPeerMs: number;
  /** Budget of unauthorized connections' partial messages. */
  readonly preAuthBudget: PendingBudget;
  /** Budget of authorized connections' partial messages. */
  readonly budget: PendingBudget;
  readonly #perAddress: number;
  readonly #max: number;
  readonly #byAddress = new Map<string, number>();
  #unauthorized = 0;
  readonly #refusals = new Map<string, number>();

  constructor(o: RtmpGuardOptions = {}) {
    this.authDeadlineMs = o.authDeadlineMs ?? 10_000;
    this.preAuthMaxPendingBytes = o.preAuthMaxPendingBytes ?? 64 * 1024;
    this.slowPeerMs = o.slowPeerMs ?? 10_000;
    this.preAuthBudget = new PendingBudget(o.preAuthPendingBytesTotal ?? 8 * 1024 * 1024);
    this.budget = new PendingBudget(o.pendingBytesTotal ?? 256 * 1024 * 1024);
    this.#perAddress = o.maxUnauthorizedPerAddress ?? 16;
    this.#max = o.maxUnauthorized ?? 1000;
  }

  /** Takes an unauthorized slot for `address`, or counts and names the refusal. */
  admit(address: string): 'ok' | 'address' | 'global' {
    const n = this.#byAddress.get(address) ?? 0;
    if (n >= this.#perAddress) {
      this.refused('rtmp_unauth_cap_address');
      return 'address';
    }
    if (this.#unauthorized >= this.#max) {
      this.refused('rtmp_unauth_cap_global');
      return 'global';
    }
    this.#byAddress.set(address, n + 1);
    this.#unauthorized++;
    return 'ok';
  }

  /** Gives back the slot of `address` (authorized or gone). */
  release(address: string): void {
    const n = this.#byAddress.get(address);
    if (n === undefined) return;
    if (n <= 1) this.#byAddress.delete(address);
    else this.#byAddress.set(address, n - 1);
    this.#unauthorized--;
  }

  /** Counts a refusal by reason. */
  refused(reason: string): void {
    this.#refusals.set(reason, (this.#refusals.get(reason) ?? 0) + 1);
  }

  /** Refusals by reason, for `minirtc_security_refusals_total`. */
  refusals(): [string, number][] {
    return [...this.#refusals];
  }

  /** Unauthorized connections open now. */
  get unauthorized(): number {
    return this.#unauthorized;
  }
}

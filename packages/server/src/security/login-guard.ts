import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import { KeyedLimiter } from '../rate-limiter.js';
import type { RefusalCounter } from './refusals.js';

/** Budgets of {@link LoginGuard}. */
export interface LoginGuardLimits {
  burstPerAddress: number;
  perMinutePerAddress: number;
  burstPerApp: number;
  perMinutePerApp: number;
}

/**
 * Failed-login budgets per source address and per AppID, the answer to online token guessing (a
 * padding oracle needs thousands of tries). An address over its budget is refused before its token is
 * even looked at; an AppID over its budget answers further *failures* with the rate-limit code, so an
 * attacker cannot lock an app's real users out by failing on its behalf. Either way the connection is
 * closed after the reply.
 */
export class LoginGuard {
  readonly #byAddress: KeyedLimiter;
  readonly #byApp: KeyedLimiter;

  constructor(
    readonly limits: LoginGuardLimits,
    private readonly refusals: RefusalCounter,
  ) {
    this.#byAddress = new KeyedLimiter(limits.perMinutePerAddress / 60, limits.burstPerAddress);
    this.#byApp = new KeyedLimiter(limits.perMinutePerApp / 60, limits.burstPerApp);
  }

  /** Throws the rate-limit refusal (closing the connection) when `address` has no failures left. */
  /** Told of every failure, to share the budgets with other nodes (a cluster); unset alone. */
  shared?: (address: string, appID: number) => void;

  /**
   * The cluster has seen this address (or app) spend its burst: spend it here too, so the next
   * failure from it is refused on this node as on the one it was spent on.
   */
  exhaust(address: string | null, appID: number | null): void {
    if (address !== null) while (this.#byAddress.take(address));
    if (appID !== null) while (this.#byApp.take(String(appID)));
  }

  admit(address: string): void {
    if (this.#byAddress.hasAll([address])) return;
    this.refusals.inc('login_budget_address');
    throw overBudget();
  }

  /**
   * A login from `address` for `appID` failed its token check with `err`: spends one failure of
   * each budget and returns what to answer — `err` itself, or the rate-limit refusal when the app's
   * budget is spent.
   */
  failed(address: string, appID: number, err: MiniRtcError): MiniRtcError {
    this.shared?.(address, appID);
    this.#byAddress.take(address);
    if (this.#byApp.take(String(appID))) return err;
    this.refusals.inc('login_budget_app');
    return overBudget();
  }
}

function overBudget(): MiniRtcError {
  return new MiniRtcError(ErrorCode.RATE_LIMITED, 'too many failed logins', { closeAfterReply: true });
}

import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '@minirtc/protocol';
import type { AppStore } from '../app-store.js';
import { KeyedBudget } from './keyed-budget.js';
import { logCredentialApp, verifyLogCredential } from './log-credential.js';
import type { RefusalCounter } from './refusals.js';

/** Limits of {@link LogGate}. */
export interface LogGateLimits {
  burstPerAddress: number;
  perMinutePerAddress: number;
  burstPerApp: number;
  perMinutePerApp: number;
}

/** A refusal of `/httplog`: HTTP status and the body's code and message. */
export interface LogRefusal {
  status: number;
  code: number;
  message: string;
}

/** Who may write: the app and user the credential was issued to. */
export interface LogWriter {
  appID: number;
  userID: string;
}

/**
 * Who may write SDK logs: a request must carry the credential the SDK got in its login reply (body
 * field `logToken` or header `x-minirtc-log-token`), and entries are counted against a per-address
 * and a per-app budget. Without it anyone could post for any AppID and push the app's real logs out
 * of their retention window.
 */
export class LogGate {
  readonly #byAddress: KeyedBudget;
  readonly #byApp: KeyedBudget;

  constructor(
    private readonly apps: AppStore,
    limits: LogGateLimits,
    private readonly refusals: RefusalCounter,
  ) {
    this.#byAddress = new KeyedBudget(limits.perMinutePerAddress, limits.burstPerAddress);
    this.#byApp = new KeyedBudget(limits.perMinutePerApp, limits.burstPerApp);
  }

  /** Before the body is read: an address with no budget left is refused at once. */
  precheck(address: string): LogRefusal | null {
    if (this.#byAddress.has(address)) return null;
    this.refusals.inc('httplog_rate_address');
    return rateLimited();
  }

  /** After parsing: the credential's writer, or why not; spends `entries` of both budgets. */
  admit(req: IncomingMessage, body: unknown, address: string, entries: number): LogWriter | LogRefusal {
    const header = req.headers['x-minirtc-log-token'];
    const fromBody =
      typeof body === 'object' && body !== null && !Array.isArray(body)
        ? (body as Record<string, unknown>).logToken
        : undefined;
    const token = typeof header === 'string' ? header : fromBody;
    const appID = logCredentialApp(token);
    const app = appID === null ? undefined : this.apps.get(appID);
    const cred = app && typeof token === 'string' ? verifyLogCredential(token, app.serverSecret) : null;
    if (!cred) {
      this.#byAddress.take(address, 1);
      this.refusals.inc('httplog_credential');
      return {
        status: 401,
        code: ErrorCode.LOG_CREDENTIAL_INVALID,
        message: 'log credential missing or invalid',
      };
    }
    const n = Math.max(1, entries);
    if (!this.#byAddress.take(address, n)) {
      this.refusals.inc('httplog_rate_address');
      return rateLimited();
    }
    if (!this.#byApp.take(String(cred.appID), n)) {
      this.refusals.inc('httplog_rate_app');
      return rateLimited();
    }
    return { appID: cred.appID, userID: cred.userID };
  }
}

function rateLimited(): LogRefusal {
  return { status: 429, code: ErrorCode.RATE_LIMITED, message: 'too many log entries' };
}

import type { Timeline } from '../timeline/timeline-store.js';

/** Limits of {@link LoginFailureAggregator}. */
export interface LoginFailureLimits {
  /** Distinct (app, source) rows per minute; the rest of an app's sources share one `*` row. */
  maxKeysPerMinute: number;
  /** `login.failed` rows kept in all (the oldest go first); call history is never pruned for them. */
  maxRows: number;
}

interface Aggregate {
  seq: number;
  detail: {
    minute: string;
    source: string;
    count: number;
    codes: Record<string, number>;
    reasons: Record<string, number>;
    users: string[];
  };
}

const MAX_USERS = 10;
const MAX_REASONS = 16;

/**
 * Failed logins in the timeline, one `login.failed` row per app, source address and minute, counted
 * up in place as failures arrive (so it is visible at once). A flood of bad logins costs at most
 * `maxKeysPerMinute` rows a minute and `maxRows` in all, where it used to cost a row per attempt and
 * could push an app's real call history out of the bounded timeline.
 */
export class LoginFailureAggregator {
  #minute = -1;
  readonly #rows = new Map<string, Aggregate>();
  #inserted = 0;

  constructor(
    private readonly store: Timeline,
    private readonly limits: LoginFailureLimits = { maxKeysPerMinute: 200, maxRows: 50_000 },
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one failed login of `appID` from `source` (its code, hidden reason and claimed user). */
  add(appID: number, source: string, code: number, reason: string | undefined, userID: string): void {
    const t = this.now();
    const minute = Math.floor(t / 60_000);
    if (minute !== this.#minute) {
      this.#minute = minute;
      this.#rows.clear();
    }
    let key = `${appID}|${source}`;
    if (!this.#rows.has(key) && this.#rows.size >= this.limits.maxKeysPerMinute) key = `${appID}|*`;
    let a = this.#rows.get(key);
    if (!a) {
      const detail = {
        minute: new Date(minute * 60_000).toISOString(),
        source: key.endsWith('|*') ? '*' : source,
        count: 0,
        codes: {},
        reasons: {},
        users: [],
      };
      a = { seq: this.store.record({ appID, type: 'login.failed', detail, time: t }), detail };
      this.#rows.set(key, a);
      if (++this.#inserted >= 100) {
        this.#inserted = 0;
        this.store.pruneKind('login.failed', this.limits.maxRows);
      }
    }
    const d = a.detail;
    d.count++;
    d.codes[code] = (d.codes[code] ?? 0) + 1;
    const r = reason ?? 'refused';
    if (d.reasons[r] !== undefined || Object.keys(d.reasons).length < MAX_REASONS)
      d.reasons[r] = (d.reasons[r] ?? 0) + 1;
    if (userID && d.users.length < MAX_USERS && !d.users.includes(userID)) d.users.push(userID.slice(0, 64));
    this.store.updateDetail(a.seq, d);
  }
}

import type { ZegoExpressEngine } from '@minirtc/sdk';

type Handler = (...args: never[]) => void;

/** Records every call of the named engine events, in order, and lets a test wait for one. */
export class EventLog {
  readonly entries: { name: string; args: unknown[] }[] = [];
  private waiters: { name: string; pred: (args: unknown[]) => boolean; resolve: (a: unknown[]) => void }[] =
    [];

  constructor(engine: ZegoExpressEngine, names: string[]) {
    for (const name of names) {
      const h = (...args: unknown[]) => {
        this.entries.push({ name, args });
        for (const w of [...this.waiters]) {
          if (w.name === name && w.pred(args)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(args);
          }
        }
      };
      (engine.on as (n: string, h: Handler) => boolean)(name, h as Handler);
    }
  }

  /** Entries of one event. */
  of(name: string): unknown[][] {
    return this.entries.filter((e) => e.name === name).map((e) => e.args);
  }

  /**
   * Resolves with the args of the first (past or future) call matching; rejects after `timeoutMs`
   * with an error naming the event and what was seen, so a failure reads as what did not happen
   * rather than as an anonymous test timeout.
   */
  wait(
    name: string,
    pred: (args: unknown[]) => boolean = () => true,
    timeoutMs = EventLog.DEFAULT_TIMEOUT_MS,
  ): Promise<unknown[]> {
    const past = this.entries.find((e) => e.name === name && pred(e.args));
    if (past) return Promise.resolve(past.args);
    return this.next(name, pred, timeoutMs);
  }

  /** Resolves with the args of the next call matching, ignoring past ones; rejects after `timeoutMs`. */
  next(
    name: string,
    pred: (args: unknown[]) => boolean = () => true,
    timeoutMs = EventLog.DEFAULT_TIMEOUT_MS,
  ): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      const w = {
        name,
        pred,
        resolve: (a: unknown[]) => {
          clearTimeout(timer);
          resolve(a);
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        const seen = this.of(name).map((a) => JSON.stringify(a).slice(0, 200));
        reject(
          new Error(
            `EventLog: no matching '${name}' within ${timeoutMs} ms; ${seen.length} '${name}' seen: ${seen.join(' | ') || 'none'}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Default bound of {@link wait} and {@link next}: well under the test runner's own timeout. */
  static DEFAULT_TIMEOUT_MS = 15_000;
}

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

  /** Resolves with the args of the first (past or future) call matching. */
  wait(name: string, pred: (args: unknown[]) => boolean = () => true): Promise<unknown[]> {
    const past = this.entries.find((e) => e.name === name && pred(e.args));
    if (past) return Promise.resolve(past.args);
    return new Promise((resolve) => this.waiters.push({ name, pred, resolve }));
  }

  /** Resolves with the args of the next call matching, ignoring past ones. */
  next(name: string, pred: (args: unknown[]) => boolean = () => true): Promise<unknown[]> {
    return new Promise((resolve) => this.waiters.push({ name, pred, resolve }));
  }
}

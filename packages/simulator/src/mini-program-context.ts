import { formatWithOptions } from 'node:util';
import { type Context, createContext } from 'node:vm';

/** A `console.*` call made by app code. */
export interface ConsoleEntry {
  level: 'log' | 'info' | 'warn' | 'error' | 'debug';
  args: unknown[];
  /** The arguments formatted as Node's console would print them. */
  text: string;
}

/** What the context needs from its instance. */
export interface ContextHost {
  console(entry: ConsoleEntry): void;
  /** Runs an app callback with errors reported (timers call app code from the host's event loop). */
  call(fn: unknown, ...args: unknown[]): void;
}

/** Tracks the timers an app started so `close()` can cancel them all. */
export class TimerSet {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly immediates = new Set<NodeJS.Immediate>();

  /** `setTimeout` for app code: the callback runs through `call` and the handle is tracked. */
  timeout(call: ContextHost['call'], fn: unknown, ms?: unknown, ...args: unknown[]): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      call(fn, ...args);
    }, Number(ms) || 0);
    this.timers.add(t);
    return t;
  }

  /** `setInterval` for app code. */
  interval(call: ContextHost['call'], fn: unknown, ms?: unknown, ...args: unknown[]): NodeJS.Timeout {
    const t = setInterval(() => call(fn, ...args), Number(ms) || 0);
    this.timers.add(t);
    return t;
  }

  /** `clearTimeout` / `clearInterval` (interchangeable, as in browsers). */
  clear(t: unknown): void {
    if (t === undefined || t === null) return;
    clearTimeout(t as NodeJS.Timeout);
    this.timers.delete(t as NodeJS.Timeout);
  }

  /** Runs `fn` on the next macrotask unless cancelled by {@link TimerSet.cancelAll}. */
  immediate(fn: () => void): void {
    const i = setImmediate(() => {
      this.immediates.delete(i);
      fn();
    });
    this.immediates.add(i);
  }

  /** Cancels everything pending. */
  cancelAll(): void {
    for (const t of this.timers) clearTimeout(t);
    for (const i of this.immediates) clearImmediate(i);
    this.timers.clear();
    this.immediates.clear();
  }
}

/**
 * Creates the global scope of one mini-program instance. Only what a mini-program has is there: the
 * language built-ins (each context has its own), `my`, the App/Page registry functions, console and
 * timers. No `require`, `process`, `fetch` or `WebSocket`: an SDK must reach the network through `my`.
 * String code generation is off because the device forbids `eval` and `new Function` too.
 */
export function createMiniProgramContext(
  host: ContextHost,
  timers: TimerSet,
  globals: Record<string, unknown>,
): Context {
  const log =
    (level: ConsoleEntry['level']) =>
    (...args: unknown[]): void =>
      host.console({ level, args, text: formatWithOptions({ depth: 4 }, ...args) });
  const sandbox: Record<string, unknown> = {
    ...globals,
    console: {
      log: log('log'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      debug: log('debug'),
      trace: log('debug'),
      assert: (cond: unknown, ...args: unknown[]) => {
        if (!cond) log('error')('Assertion failed', ...args);
      },
    },
    setTimeout: (fn: unknown, ms?: unknown, ...args: unknown[]) => timers.timeout(host.call, fn, ms, ...args),
    setInterval: (fn: unknown, ms?: unknown, ...args: unknown[]) =>
      timers.interval(host.call, fn, ms, ...args),
    clearTimeout: (t: unknown) => timers.clear(t),
    clearInterval: (t: unknown) => timers.clear(t),
  };
  return createContext(sandbox, { codeGeneration: { strings: false, wasm: false }, name: 'mini-program' });
}

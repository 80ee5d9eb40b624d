import type { DeviceRules } from './device-rules.js';
import { SimulatorError, SimulatorErrorCode } from './errors.js';
import { describeEvent, type SimulationEvent } from './run-simulation.js';
import {
  type Scenario,
  type ScenarioAssert,
  type ScenarioExpect,
  type ScenarioStep,
  type ScenarioWait,
  substitute,
} from './scenario.js';
import { DEFAULT_STEP_MS, Simulator, type SimulatorOptions } from './simulator.js';
import { type UserSummary, UserStats } from './user-stats.js';
import type { Observable } from './wait-for.js';

/** How to run a {@link Scenario}: where the app and the server are, and what the command line overrides. */
export interface ScenarioRunOptions {
  /** The mini-program directory (the scenario's `app`, resolved, unless the caller chose another). */
  appDir: string;
  /** Signaling server URL put into each user's `globalData.server`. */
  server?: string;
  /** AppID put into `globalData.appID`. */
  appID?: number;
  /** Makes a user's token when the scenario gives none (put into `globalData.token`). */
  tokenFor?: (userID: string) => string | Promise<string>;
  /** Overrides the scenario's `room`. */
  room?: string;
  /** Overrides the scenario's `deviceRules`. */
  deviceRules?: DeviceRules;
  /** Overrides the scenario's `duration`: how long the call stays up after every user's steps. */
  durationMs?: number;
  /** For `${env.NAME}` in the scenario; `process.env` by default. */
  env?: Record<string, string | undefined>;
  /** Receives every event of every user, formatted (as `minirtc simulate` prints them). */
  onEvent?: (e: SimulationEvent) => void;
  /** Passed to each {@link Simulator.load}. */
  simulator?: Omit<SimulatorOptions, 'globalData' | 'name' | 'page' | 'query' | 'deviceRules' | 'dialogs'>;
}

/** The verdict of a scenario run. */
export interface ScenarioResult {
  passed: boolean;
  room: string;
  elapsedMs: number;
  users: UserSummary[];
}

/** Named points users reach (`signal`) and others wait for (`wait: { signal }`); an Observable for waits. */
class SignalBoard implements Observable {
  readonly raised = new Set<string>();
  private readonly listeners = new Set<() => void>();
  raise(name: string): void {
    this.raised.add(name);
    for (const cb of [...this.listeners]) cb();
  }
  onAny(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
}

interface UserRun {
  name: string;
  userID: string;
  sim: Simulator;
  stats: UserStats;
  steps: ScenarioStep[];
  expect: ScenarioExpect | undefined;
  failures: string[];
  stepsDone: number;
  /** Next code / SDK event a wait may consume: not before the last action began, not one used already. */
  cursor: { code: number; sdk: number };
}

// A scenario's dialogs: `prompt: null` answers a prompt with cancel.
function dialogAnswers(d: { confirm?: boolean; prompt?: string | null; actionSheet?: number }) {
  return {
    ...(d.confirm !== undefined ? { confirm: d.confirm } : {}),
    ...(d.prompt !== undefined ? { prompt: d.prompt ?? undefined } : {}),
    ...(d.actionSheet !== undefined ? { actionSheet: d.actionSheet } : {}),
  };
}

function splitRoute(url: string): { route: string; query: Record<string, string> } {
  const q = url.indexOf('?');
  const path = (q === -1 ? url : url.slice(0, q)).replace(/^\//, '');
  return { route: path, query: Object.fromEntries(new URLSearchParams(q === -1 ? '' : url.slice(q + 1))) };
}

function valueAt(obj: unknown, path: string): unknown {
  let v = obj;
  for (const key of path.split(/[.[\]]+/).filter(Boolean)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** Whether `have` matches `want`: equal scalars (by text), or every key of `want` matching in `have`. */
function matches(have: unknown, want: unknown): boolean {
  if (want === null || typeof want !== 'object') return have === want || String(have) === String(want);
  if (Array.isArray(want)) {
    return Array.isArray(have) && want.every((w, i) => matches(have[i], w));
  }
  if (have === null || typeof have !== 'object') return false;
  return Object.entries(want).every(([k, w]) => matches((have as Record<string, unknown>)[k], w));
}

function dataMatches(data: Record<string, unknown>, want: Record<string, unknown>): boolean {
  return Object.entries(want).every(([path, w]) => matches(valueAt(data, path), w));
}

function show(v: unknown): string {
  return JSON.stringify(v).replace(/"(\w+)":/g, '$1: ');
}

function onScreen(sim: Simulator): string {
  const p = sim.pages.length > 0 ? sim.page : undefined;
  return p === undefined ? 'no page is open' : `on ${p.route}; the page shows: "${p.text}"`;
}

/**
 * Runs a scenario: starts every user's phone (own `globalData`, userID, token), runs each user's steps in
 * order while the users run side by side, keeps the call up for the duration, then checks each user's
 * expectations. Every wait is bounded (the step's `timeout`, else the scenario's, else 10 s) and settles
 * on the event it waits for; nothing sleeps. Always closes every phone before it returns.
 */
export async function runScenario(scenario: Scenario, opts: ScenarioRunOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const env = opts.env ?? process.env;
  const room = opts.room ?? scenario.room ?? `scenario-${Math.random().toString(36).slice(2, 8)}`;
  const deviceRules = opts.deviceRules ?? scenario.deviceRules;
  const stepTimeout = scenario.timeout ?? DEFAULT_STEP_MS;
  const signals = new SignalBoard();
  const runs: UserRun[] = [];
  const onRejection = (reason: unknown, promise: Promise<unknown>): void => {
    if (runs.some((r) => r.sim.claimUnhandledRejection(reason, promise))) return;
    opts.onEvent?.({ user: '-', event: 'error', text: `unhandled rejection: ${String(reason)}` });
  };
  process.on('unhandledRejection', onRejection);
  const warned = new Set<string>();
  try {
    for (const [name, rawUser] of Object.entries(scenario.users)) {
      const userID = rawUser.userID ?? name;
      const vars = { room, userID, user: name };
      const user = substitute(rawUser, vars, env);
      const token = user.token ?? (await opts.tokenFor?.(userID));
      const globalData: Record<string, unknown> = {
        userID,
        userName: userID,
        roomID: room,
        ...(opts.server !== undefined ? { server: opts.server } : {}),
        ...(opts.appID !== undefined ? { appID: opts.appID } : {}),
        ...(token !== undefined ? { token } : {}),
        ...substitute(scenario.globalData ?? {}, vars, env),
        ...user.globalData,
      };
      const first = user.open !== undefined ? splitRoute(user.open) : undefined;
      const loadStart = Date.now();
      const sim = await Simulator.load(opts.appDir, {
        ...opts.simulator,
        name,
        globalData,
        ...(first !== undefined ? { page: first.route, query: first.query } : {}),
        ...(deviceRules !== undefined ? { deviceRules } : {}),
        ...(user.dialogs !== undefined ? { dialogs: dialogAnswers(user.dialogs) } : {}),
      });
      const onEvent = opts.onEvent;
      if (onEvent !== undefined) {
        sim.events.onAny((event, payload) => {
          const text = describeEvent(event, payload);
          if (text === undefined) return;
          if (event === 'warning') {
            // One line per rule broken, not one per user.
            if (warned.has(text)) return;
            warned.add(text);
          }
          onEvent({ user: name, event, text });
        });
      }
      runs.push({
        name,
        userID,
        sim,
        stats: new UserStats(sim, loadStart),
        steps: user.steps,
        expect: user.expect,
        failures: [],
        stepsDone: 0,
        cursor: { code: 0, sdk: 0 },
      });
    }
    await Promise.all(runs.map((r) => runSteps(r, stepTimeout, signals)));
    const failedEarly = runs.some((r) => r.failures.length > 0);
    const durationMs = opts.durationMs ?? scenario.duration ?? 0;
    if (durationMs > 0 && !failedEarly) {
      // The run's length, asked for by the user (media keeps flowing, frames keep counting): not a wait
      // for some state, so a timer is the right tool.
      await new Promise((resolve) => setTimeout(resolve, durationMs));
    }
    const users = runs.map((r) => {
      checkExpect(r);
      const allow = scenario.allowAppErrors === true || r.expect?.errors !== undefined;
      return r.stats.summary(r.name, r.userID, {
        failures: r.failures,
        stepsDone: r.stepsDone,
        stepsTotal: r.steps.length,
        allowAppErrors: allow,
      });
    });
    return { passed: users.every((u) => u.passed), room, elapsedMs: Date.now() - started, users };
  } finally {
    process.off('unhandledRejection', onRejection);
    for (const r of runs) r.stats.detach();
    await Promise.all(runs.map((r) => r.sim.close()));
  }
}

async function runSteps(run: UserRun, defaultTimeout: number, signals: SignalBoard): Promise<void> {
  for (const [i, step] of run.steps.entries()) {
    const timeoutMs = ('timeout' in step ? step.timeout : undefined) ?? defaultTimeout;
    if (!('wait' in step) && !('assert' in step) && !('signal' in step) && !('dialogs' in step)) {
      // Code and SDK-event waits answer "after my last action": what came before it is stale.
      run.cursor.code = Math.max(run.cursor.code, run.stats.codeLog.length);
      run.cursor.sdk = Math.max(run.cursor.sdk, run.stats.sdkLog.length);
    }
    try {
      await runStep(run, step, timeoutMs, signals);
      run.stepsDone++;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      run.failures.push(`step ${i + 1} ${show(step)}: ${msg}`);
      return;
    }
  }
}

async function runStep(
  run: UserRun,
  step: ScenarioStep,
  timeoutMs: number,
  signals: SignalBoard,
): Promise<void> {
  const { sim } = run;
  if ('tap' in step) await sim.tap(step.tap, { timeoutMs });
  else if ('type' in step) await sim.type(step.type.into, step.type.text, { timeoutMs });
  else if ('wait' in step) await wait(run, step.wait, timeoutMs, signals);
  else if ('assert' in step) check(run, step.assert);
  else if ('signal' in step) signals.raise(step.signal);
  else if ('dialogs' in step) Object.assign(sim.dialogs, dialogAnswers(step.dialogs));
  else if ('network' in step) {
    if (step.network === 'off') await sim.dropNetwork();
    else sim.restoreNetwork();
  } else if ('open' in step)
    await navigate(sim, 'reLaunch', { url: `/${step.open.replace(/^\//, '')}` }, timeoutMs);
  else if ('back' in step) await navigate(sim, 'navigateBack', { delta: step.back }, DEFAULT_STEP_MS);
}

async function navigate(
  sim: Simulator,
  kind: string,
  args: Record<string, unknown>,
  timeoutMs: number,
): Promise<void> {
  let failure: string | undefined;
  const fn = sim.my[kind] as (o: Record<string, unknown>) => void;
  fn({ ...args, fail: (e: { errorMessage?: string }) => (failure = e.errorMessage ?? 'failed') });
  await sim.whenReady(timeoutMs);
  if (failure !== undefined) throw new SimulatorError(SimulatorErrorCode.PAGE_NOT_FOUND, failure);
}

async function wait(run: UserRun, w: ScenarioWait, timeoutMs: number, signals: SignalBoard): Promise<void> {
  const { sim, stats, cursor } = run;
  let condition: () => boolean;
  let detail = (): string => onScreen(sim);
  if (w.page !== undefined) {
    const route = w.page.replace(/^\//, '');
    condition = () => sim.pages.length > 0 && sim.page.route === route && sim.page.ready;
  } else if (w.text !== undefined) {
    const text = w.text;
    condition = () => sim.pages.length > 0 && sim.page.text.includes(text);
  } else if (w.code !== undefined) {
    const code = w.code;
    condition = () => {
      const at = stats.codeLog.indexOf(code, cursor.code);
      if (at === -1) return false;
      cursor.code = at + 1;
      return true;
    };
    detail = () => `codes seen: ${stats.codeLog.join(', ') || 'none'}; ${onScreen(sim)}`;
  } else if (w.sdkEvent !== undefined) {
    const name = w.sdkEvent;
    condition = () => {
      for (let i = cursor.sdk; i < stats.sdkLog.length; i++) {
        const e = stats.sdkLog[i]!;
        if (e.name === name && (w.with === undefined || e.args.some((a) => matches(a, w.with)))) {
          cursor.sdk = i + 1;
          return true;
        }
      }
      return false;
    };
    detail = () => {
      const seen = [...new Set(stats.sdkLog.map((e) => e.name))].join(', ') || 'none';
      return `SDK events seen: ${seen}; ${onScreen(sim)}`;
    };
  } else if (w.frames !== undefined) {
    const n = w.frames;
    condition = () => stats.frames >= n;
    detail = () =>
      `frames decoded: ${stats.frames}; codes seen: ${stats.codeLog.join(', ') || 'none'}; ${onScreen(sim)}`;
  } else if (w.data !== undefined) {
    const want = w.data;
    condition = () => sim.pages.length > 0 && dataMatches(sim.page.data, want);
    detail = () => {
      const have = Object.fromEntries(Object.keys(want).map((k) => [k, valueAt(sim.page.data, k)]));
      return `data is ${show(have)}; ${onScreen(sim)}`;
    };
  } else {
    const name = w.signal!;
    condition = () => signals.raised.has(name);
    detail = () => `signals raised: ${[...signals.raised].join(', ') || 'none'}`;
  }
  try {
    await sim.waitUntil(() => condition(), { timeoutMs, also: [signals] });
  } catch {
    throw new SimulatorError(
      SimulatorErrorCode.WAIT_TIMEOUT,
      `did not happen within ${timeoutMs} ms; ${detail()}`,
    );
  }
}

function check(run: UserRun, a: ScenarioAssert): void {
  const { sim, stats } = run;
  const problems: string[] = [];
  const page = sim.pages.length > 0 ? sim.page : undefined;
  if (a.page !== undefined && page?.route !== a.page.replace(/^\//, '')) {
    problems.push(`page is ${page?.route ?? 'none'}, not ${a.page}`);
  }
  if (a.text !== undefined && !page?.text.includes(a.text)) problems.push(`'${a.text}' is not on the page`);
  if (a.noText !== undefined && page?.text.includes(a.noText)) problems.push(`'${a.noText}' is on the page`);
  if (a.data !== undefined && (page === undefined || !dataMatches(page.data, a.data))) {
    const have = Object.fromEntries(Object.keys(a.data).map((k) => [k, valueAt(page?.data, k)]));
    problems.push(`data is ${show(have)}, not ${show(a.data)}`);
  }
  for (const c of a.codes ?? []) if (!stats.codeLog.includes(c)) problems.push(`code ${c} was not raised`);
  if (a.frames !== undefined && stats.frames < a.frames)
    problems.push(`${stats.frames} frames decoded, < ${a.frames}`);
  if (a.noErrors && sim.errors.length > 0) {
    problems.push(
      `app errors: ${sim.errors.map((e) => String((e.error as Error)?.message ?? e.error)).join('; ')}`,
    );
  }
  if (problems.length > 0) {
    throw new SimulatorError(
      SimulatorErrorCode.ASSERTION_FAILED,
      `${problems.join('; ')} (${onScreen(sim)})`,
    );
  }
}

function checkExpect(run: UserRun): void {
  const x = run.expect;
  if (x === undefined) return;
  const s = run.stats.summary(run.name, run.userID, {
    failures: [],
    stepsDone: 0,
    stepsTotal: 0,
    allowAppErrors: true,
  });
  const problems: string[] = [];
  for (const c of x.codes ?? []) if (!(String(c) in s.codes)) problems.push(`code ${c} was not raised`);
  if (x.frames !== undefined && s.frames < x.frames)
    problems.push(`${s.frames} frames decoded, < ${x.frames}`);
  if (x.fps !== undefined && s.fps < x.fps) problems.push(`${s.fps} fps decoded, < ${x.fps}`);
  if (x.errors !== undefined && s.appErrors.length > x.errors) {
    problems.push(`${s.appErrors.length} app errors, > ${x.errors}`);
  }
  if (problems.length > 0) run.failures.push(`expect ${show(x)}: ${problems.join('; ')}`);
}

import { resolve } from 'node:path';
import { type Context, runInContext, Script } from 'node:vm';
import { type LoadedApp, loadApp, MARK_GLOBAL, SDK_HOOK_GLOBAL } from './app-loader.js';
import { checkDeviceUrl, type DeviceRules } from './device-rules.js';
import type { AppCallbacks } from './app-callbacks.js';
import { SimulatorError, SimulatorErrorCode } from './errors.js';
import { type ConsoleEntry, createMiniProgramContext, TimerSet } from './mini-program-context.js';
import { DEFAULT_SYSTEM_INFO, type DialogAnswers, MyApi, type UiCall } from './my-api.js';
import type { SimulatorEvents } from './simulator-events.js';
import type { InputTarget, PageInstance } from './page-instance.js';
import { type NavigationPlan, PageStack } from './page-stack.js';
import { type Realm, realmOf } from './realm.js';
import { RtcRoomMounts } from './rtc-room-mounts.js';
import type { RtcRoom, RtcRoomContextCall } from './rtc-room.js';
import { TypedEmitter } from '@minirtc/protocol/emitter';
import type { Payloads } from '@minirtc/protocol/emitter';
import { DEFAULT_WAIT_MS, type WaitOptions, waitForEvent, waitUntil } from './wait-for.js';

/** Options of {@link Simulator.load}. */
export interface SimulatorOptions {
  /** Merged into `getApp().globalData` before `onLaunch`: per-user settings such as `{ userID, token }`. */
  globalData?: Record<string, unknown>;
  /** A label for this instance in events and printed logs. */
  name?: string;
  /** Route to open first; app.json's first page by default. */
  page?: string;
  /** Query passed to the first page's `onLoad`. */
  query?: Record<string, string>;
  /** Overrides of what `my.getSystemInfo` reports. */
  systemInfo?: Record<string, unknown>;
  /** `<rtc-room>` pushes this media file (looped) instead of a test pattern with a tone. */
  mediaFile?: string;
  /** The ffmpeg binary; `ffmpeg` from PATH by default. */
  ffmpegPath?: string;
  /** Print the app's console output, prefixed with the instance name. */
  echoConsole?: boolean;
  /**
   * The device's network rules (`wss://`/`https://` only, a domain whitelist). By default they are not
   * enforced: each rule a URL breaks is reported once as a `warning` event, as the IDE's "skip domain
   * check" lets it through.
   */
  deviceRules?: DeviceRules;
  /** How the user answers `my.confirm` / `my.prompt` / `my.showActionSheet` (confirm, '' and 0 by default). */
  dialogs?: Partial<DialogAnswers>;
}

/** Default bound of a user action ({@link Simulator.tap}, {@link Simulator.type}) waiting for its target. */
export const DEFAULT_STEP_MS = 10_000;

/** Events of ZEGO's engine (and MiniRTC's, which has the same) that the simulator reports as `sdkEvent`. */
export const SDK_EVENT_NAMES = [
  'roomStateUpdate',
  'roomStateChanged',
  'roomUserUpdate',
  'roomStreamUpdate',
  'roomOnlineUserCountUpdate',
  'roomExtraInfoUpdate',
  'streamExtraInfoUpdate',
  'tokenWillExpire',
  'publisherStateUpdate',
  'playerStateUpdate',
  'publishQualityUpdate',
  'playQualityUpdate',
  'IMRecvBroadcastMessage',
  'IMRecvBarrageMessage',
  'IMRecvCustomCommand',
] as const;

const bundles = new Map<string, Promise<LoadedApp>>();

/**
 * One simulated phone running one mini-program: its own vm context, `my`, page stack, sockets and
 * `<rtc-room>` media. Several instances of the same app run side by side in one process.
 */
export class Simulator implements AppCallbacks {
  /** Typed events; see {@link SimulatorEvents}. */
  readonly events = new TypedEmitter<Payloads<SimulatorEvents>>();
  /** UI-only `my.*` calls in order. */
  readonly uiCalls: UiCall[] = [];
  /** Calls made on rtc-room contexts, in order. */
  readonly contextCalls: RtcRoomContextCall[] = [];
  /** Errors the app produced (also emitted as 'error'). */
  readonly errors: { error: unknown; where: string }[] = [];
  /** The instance's label (`opts.name`, default `sim`). */
  readonly name: string;
  private readonly timers = new TimerSet();
  private readonly stack: PageStack;
  private readonly myApi: MyApi;
  private readonly mounts: RtcRoomMounts;
  private appObject: Record<string, unknown> | undefined;
  private markedRoute = 'app';
  private context: Context | undefined;
  private isOnline = true;
  private closed = false;
  private pendingNavigations = 0;
  private readonly warned = new Set<string>();
  private realmRef: Realm | undefined;
  /** What `getSystemInfo` reports. */
  readonly systemInfo: Record<string, unknown>;
  /** How the user answers dialogs from now on; change it to answer the next one differently. */
  readonly dialogs: DialogAnswers;

  private constructor(
    private readonly loaded: LoadedApp,
    private readonly opts: SimulatorOptions,
  ) {
    this.name = opts.name ?? 'sim';
    this.systemInfo = { ...DEFAULT_SYSTEM_INFO, ...opts.systemInfo };
    this.dialogs = { confirm: true, prompt: '', actionSheet: 0, ...opts.dialogs };
    this.mounts = new RtcRoomMounts(this, {
      mediaFile: opts.mediaFile,
      ffmpegPath: opts.ffmpegPath,
      online: () => this.isOnline,
    });
    this.stack = new PageStack(loaded.templates, {
      call: (fn, ...a) => this.call(fn, ...a),
      defer: (fn) => this.defer(fn),
      reportError: (e, where) => this.reportError(e, where),
      rendered: (page) => {
        this.mounts.sync(page);
        this.events.emit('render', { route: page.route, count: page.renderCount });
      },
      clone: (v) => this.realm.clone(v),
      pageEvent: (route, action) => this.events.emit('page', { route, action }),
      pageClosed: (page) => this.mounts.unmountPage(page),
    });
    this.myApi = new MyApi({
      call: (fn, ...a) => this.call(fn, ...a),
      defer: (fn) => this.defer(fn),
      online: () => this.isOnline,
      realm: this.lateRealm(),
      recordUi: (c) => {
        this.uiCalls.push(c);
        this.events.emit('ui', c);
      },
      navigate: (kind, args) => this.navigate(kind, args),
      checkUrl: (kind, url) => this.checkUrl(kind, url),
      dialogs: this.dialogs,
      launchOptions: () => ({
        path: this.opts.page ?? this.loaded.appJson.pages[0],
        query: { ...this.opts.query },
        scene: 1000,
      }),
      rtcRoomContext: (id) => this.mounts.context(id),
      systemInfo: this.systemInfo,
    });
  }

  // `my` is built before the context exists (the context needs `my` as a global), so its realm helpers
  // delegate to the realm set once the context is created.
  /** Helpers that make values in the app's own realm (set once the context exists). */
  get realm(): Realm {
    if (this.realmRef === undefined)
      throw new SimulatorError(SimulatorErrorCode.NOT_RUNNING, 'the app has no context yet');
    return this.realmRef;
  }

  /** Forgets bundled apps, so the next {@link Simulator.load} of a directory re-reads its files. */
  static clearBundleCache(): void {
    bundles.clear();
  }

  private lateRealm(): Realm {
    return {
      arrayBuffer: (b) => this.realm.arrayBuffer(b),
      parseJson: (t) => this.realm.parseJson(t),
      clone: (v) => this.realm.clone(v),
      ownsPromise: (p) => this.realm.ownsPromise(p),
      deferred: () => this.realm.deferred(),
    };
  }

  /**
   * Loads a mini-program directory and starts it: runs the bundle in a fresh context, calls the app's
   * `onLaunch`/`onShow`, opens the first page (first render, `onLoad`, `onShow`, then `onReady`).
   * The bundle is built once per directory and shared by instances.
   */
  static async load(appDir: string, opts: SimulatorOptions = {}): Promise<Simulator> {
    const key = resolve(appDir);
    let p = bundles.get(key);
    if (p === undefined) {
      p = loadApp(key);
      bundles.set(key, p);
      p.catch(() => bundles.delete(key));
    }
    const sim = new Simulator(await p, opts);
    try {
      sim.start();
    } catch (e) {
      // The app threw while starting (top-level code, App() missing): nothing it started may outlive it.
      await sim.close();
      throw e;
    }
    return sim;
  }

  private start(): void {
    const globals = {
      my: this.myApi.my,
      App: (o: Record<string, unknown>) => this.registerApp(o),
      Page: (o: Record<string, unknown>) => this.stack.registry.set(this.markedRoute, o ?? {}),
      getApp: () => this.appObject,
      // Custom components are not emulated: say so by name rather than with a bare ReferenceError.
      Component: () => {
        throw new SimulatorError(
          SimulatorErrorCode.UNSUPPORTED_API,
          'Component() (custom components) is not supported by the simulator',
        );
      },
      getCurrentPages: () => this.stack.pages.map((p) => p.self),
      [SDK_HOOK_GLOBAL]: (exports: unknown) => this.hookSdk(exports),
      [MARK_GLOBAL]: (route: string) => {
        this.markedRoute = route;
      },
    };
    const context = createMiniProgramContext(
      { console: (e) => this.onConsole(e), call: (fn, ...a) => this.call(fn, ...a) },
      this.timers,
      globals,
    );
    this.context = context;
    this.realmRef = realmOf(context);
    new Script(this.loaded.script, { filename: `${this.loaded.dir}/__minirtc_bundle.js` }).runInContext(
      context,
    );
    delete (context as Record<string, unknown>)[MARK_GLOBAL];
    const app = this.appObject;
    if (app === undefined) {
      throw new SimulatorError(
        SimulatorErrorCode.APP_NOT_REGISTERED,
        `${this.loaded.dir}/app.js never called App()`,
      );
    }
    const tabBar = this.loaded.appJson['tabBar'] as { items?: { pagePath?: unknown }[] } | undefined;
    if (Array.isArray(tabBar?.items)) {
      this.stack.tabPages = new Set(tabBar.items.map((i) => String(i.pagePath ?? '').replace(/^\//, '')));
    }
    const route = (this.opts.page ?? this.loaded.appJson.pages[0]!).replace(/^\//, '');
    const launch = { query: this.opts.query ?? {}, path: route, scene: 1000 };
    this.callMethod(app, 'onLaunch', launch);
    this.callMethod(app, 'onShow', launch);
    this.stack.open(route, this.opts.query ?? {});
  }

  private registerApp(o: Record<string, unknown>): void {
    if (this.appObject !== undefined) {
      throw new SimulatorError(SimulatorErrorCode.APP_NOT_REGISTERED, 'App() called more than once');
    }
    const app = o ?? {};
    const gd = (
      typeof app['globalData'] === 'object' && app['globalData'] !== null ? app['globalData'] : {}
    ) as Record<string, unknown>;
    Object.assign(gd, this.opts.globalData);
    app['globalData'] = gd;
    this.appObject = app;
  }

  /** The `my` object the app sees, for tests that drive an API directly. */
  get my(): Record<string, unknown> {
    return this.myApi.my;
  }

  /** Runs source code in the app's global scope (as a console in the IDE would) and returns its value. */
  run(source: string): unknown {
    return runInContext(source, this.context!);
  }

  /** The object `getApp()` returns. */
  get app(): Record<string, unknown> {
    return this.appObject!;
  }

  /** The page on top of the stack. */
  get page(): PageInstance {
    return this.stack.top;
  }

  /** The page stack, bottom first. */
  get pages(): readonly PageInstance[] {
    return this.stack.pages;
  }

  /** Whether the instance's network is up. */
  get online(): boolean {
    return this.isOnline;
  }

  /** Number of the app's WebSockets open or connecting. */
  get openSockets(): number {
    return this.myApi.sockets.openCount;
  }

  /** The `<rtc-room>` with this id: the mounted one, else the last one that had it. */
  rtcRoom(id: string): RtcRoom | undefined {
    return this.mounts.get(id);
  }

  /** Mounted `<rtc-room>`s. */
  get rtcRooms(): RtcRoom[] {
    return this.mounts.mounted();
  }

  /** Calls app code; a throw or a rejected promise is reported as an 'error' event, not propagated. */
  call(fn: unknown, ...args: unknown[]): void {
    if (this.closed || typeof fn !== 'function') return;
    try {
      const r = (fn as (...a: unknown[]) => unknown)(...args);
      if (typeof (r as Promise<unknown> | undefined)?.then === 'function') {
        (r as Promise<unknown>).then(undefined, (e: unknown) => this.reportError(e, 'async app callback'));
      }
    } catch (e) {
      this.reportError(e, 'app callback');
    }
    // App code ran, so app state may have changed: waitUntil() conditions are re-checked on this event.
    this.events.emit('activity', undefined);
  }

  /** Calls `obj[name](...args)` if it is a method, with `this` bound, errors reported like {@link call}. */
  callMethod(obj: Record<string, unknown>, name: string, ...args: unknown[]): void {
    const fn = obj[name];
    if (typeof fn === 'function') this.call(fn.bind(obj), ...args);
  }

  /** Runs `fn` on a later macrotask, unless the instance closed meanwhile. */
  defer(fn: () => void): void {
    if (!this.closed) this.timers.immediate(() => !this.closed && fn());
  }

  /**
   * Claims a process-level unhandled rejection if the app's code made the promise, reporting it as an
   * 'error' event (the device only logs it). Returns whether it was this instance's.
   */
  claimUnhandledRejection(reason: unknown, promise: unknown): boolean {
    if (this.context === undefined || !this.realm.ownsPromise(promise)) return false;
    this.reportError(reason, 'unhandled promise rejection');
    return true;
  }

  private reportError(error: unknown, where: string): void {
    this.errors.push({ error, where });
    if (this.opts.echoConsole) console.error(`[${this.name}] ${where}:`, error);
    this.events.emit('error', { error, where });
  }

  private onConsole(e: ConsoleEntry): void {
    if (this.opts.echoConsole) console.log(`[${this.name}] ${e.level}: ${e.text}`);
    this.events.emit('console', { ...e, name: this.name });
  }

  // Navigation is resolved against the page on top when the app calls it, and carried out a task later.
  private navigate(kind: string, args: Record<string, unknown>): string | undefined {
    const plan = this.stack.plan(kind, args);
    if ('error' in plan) {
      this.reportError(new SimulatorError(SimulatorErrorCode.PAGE_NOT_FOUND, plan.error), 'navigate');
      return plan.error;
    }
    this.pendingNavigations++;
    this.timers.immediate(() => {
      this.pendingNavigations--;
      if (!this.closed) this.applyNavigation(plan);
    });
    return undefined;
  }

  private applyNavigation(plan: NavigationPlan): void {
    this.stack.apply(plan);
    this.events.emit('activity', undefined);
  }

  private checkUrl(
    kind: 'socket' | 'request',
    url: string,
  ): { error: number; errorMessage: string } | undefined {
    const rules = this.opts.deviceRules;
    const broken = checkDeviceUrl(kind, url, rules?.domains);
    if (broken === undefined) return undefined;
    const enforce = rules?.enforce === true;
    if (!this.warned.has(broken.key)) {
      this.warned.add(broken.key);
      const text = enforce
        ? `refused ${broken.errorMessage} (error ${broken.error}, as on the device)`
        : `${broken.errorMessage} (a device refuses it with error ${broken.error}; allowed without --device-rules)`;
      this.events.emit('warning', { rule: broken.rule, text });
    }
    return enforce ? { error: broken.error, errorMessage: broken.errorMessage } : undefined;
  }

  // A module exporting ZegoExpressEngine ran: report the events of every engine the app logs in with.
  // Only the engine's public `on` is used, so this works for ZEGO's own file as for MiniRTC's.
  private hookSdk(exports: unknown): void {
    const Engine = (exports as { ZegoExpressEngine?: unknown } | undefined)?.ZegoExpressEngine;
    const proto = (Engine as { prototype?: Record<string, unknown> } | undefined)?.prototype;
    const login = proto?.['loginRoom'];
    if (proto === undefined || typeof login !== 'function' || proto['__minirtcHooked']) return;
    const listened = new WeakSet<object>();
    const report =
      (name: string) =>
      (...args: unknown[]) =>
        this.events.emit('sdkEvent', { name, args });
    try {
      Object.defineProperty(proto, '__minirtcHooked', { value: true });
      proto['loginRoom'] = function (this: { on?: (n: string, cb: unknown) => unknown }, ...a: unknown[]) {
        if (!listened.has(this) && typeof this.on === 'function') {
          listened.add(this);
          for (const name of SDK_EVENT_NAMES) this.on(name, report(name));
        }
        return (login as (...x: unknown[]) => unknown).apply(this, a);
      };
    } catch {
      // A frozen SDK keeps working; only its events are not reported.
    }
  }

  /**
   * Resolves once the top page has run `onReady` and no navigation is pending: when a user can act on
   * what is on screen. Bounded by `timeoutMs`.
   */
  whenReady(timeoutMs = DEFAULT_STEP_MS): Promise<PageInstance> {
    return this.waitUntil(
      () =>
        this.pendingNavigations === 0 && this.stack.pages.length > 0 && this.page.ready
          ? this.page
          : undefined,
      { timeoutMs, what: 'the page to be ready (onReady)' },
    );
  }

  /**
   * A user's tap: waits until the page is ready and `target` is on screen and enabled (re-checked after
   * every render), taps it, and waits for an async handler to finish (within the same bound). A target
   * that never shows fails with what the page does show. A throwing handler is an app error, as on the
   * device, not a failure of the tap. `target`: text, `#id`, `[data-x=v]` or the handler's name.
   */
  async tap(target: string, opts: { timeoutMs?: number } = {}): Promise<unknown> {
    const page = await this.actionTarget(opts.timeoutMs, (p) => p.locateTap(target));
    return this.runHandler(() => page.tap(target), opts.timeoutMs, `tap '${target}'`);
  }

  /**
   * A user typing `value` into an input (see {@link PageInstance.locateInput} for how it is named), with
   * the same waiting as {@link Simulator.tap}.
   */
  async type(target: InputTarget, value: string, opts: { timeoutMs?: number } = {}): Promise<unknown> {
    const page = await this.actionTarget(opts.timeoutMs, (p) => p.locateInput(target));
    return this.runHandler(() => page.input(target, value), opts.timeoutMs, `type into '${String(target)}'`);
  }

  private async actionTarget(
    timeoutMs = DEFAULT_STEP_MS,
    locate: (p: PageInstance) => { el: unknown } | { missing: string },
  ): Promise<PageInstance> {
    const started = Date.now();
    await this.whenReady(timeoutMs);
    let why = '';
    try {
      return await this.waitUntil(
        () => {
          const p = this.page;
          const found = locate(p);
          if ('el' in found && this.pendingNavigations === 0 && p.ready) return p;
          if ('missing' in found) why = found.missing;
          return undefined;
        },
        { timeoutMs: Math.max(1, timeoutMs - (Date.now() - started)) },
      );
    } catch {
      throw new SimulatorError(
        SimulatorErrorCode.ELEMENT_NOT_FOUND,
        `${why} on ${this.page.route} within ${timeoutMs} ms; the page shows: "${this.page.text}"`,
      );
    }
  }

  private async runHandler(act: () => unknown, timeoutMs = DEFAULT_STEP_MS, where: string): Promise<unknown> {
    let r: unknown;
    try {
      r = act();
    } catch (e) {
      if (e instanceof SimulatorError) throw e;
      this.reportError(e, where);
      return undefined;
    }
    this.events.emit('activity', undefined);
    if (typeof (r as Promise<unknown> | undefined)?.then !== 'function') return r;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        (r as Promise<unknown>).then(undefined, (e: unknown) => {
          this.reportError(e, where);
          return undefined;
        }),
        new Promise((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Loses the network: every socket drops (its close callbacks fire), requests in flight fail (error 12),
   * `onNetworkStatusChange` reports
   * `{ isConnected: false, networkType: 'NONE' }`, media processes die, and new sockets/requests fail.
   */
  async dropNetwork(): Promise<void> {
    this.isOnline = false;
    this.myApi.sockets.dropAll();
    this.myApi.dropRequests();
    this.myApi.networkChanged({ isConnected: false, networkType: 'NONE' });
    this.events.emit('network', { online: false });
    await this.mounts.suspendAll();
  }

  /** Gets the network back: listeners hear `{ isConnected: true, networkType: 'WIFI' }`; rtc-rooms reconnect. */
  restoreNetwork(): void {
    this.isOnline = true;
    this.myApi.networkChanged({ isConnected: true, networkType: 'WIFI' });
    this.events.emit('network', { online: true });
    this.mounts.resumeAll();
  }

  /** Waits for the next `name` event for which `predicate` holds. */
  waitFor<K extends keyof SimulatorEvents>(
    name: K,
    predicate?: (p: SimulatorEvents[K]) => boolean,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<SimulatorEvents[K]> {
    return waitForEvent(this.events, name, predicate, timeoutMs);
  }

  /** Waits until `condition()` is truthy, re-checking after every event of this instance. */
  waitUntil<T>(condition: () => T | undefined | null | false, opts?: WaitOptions): Promise<T> {
    return waitUntil(this.events, condition, opts);
  }

  /** Shuts the phone off: sockets closed without callbacks, timers cancelled, media processes killed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timers.cancelAll();
    this.myApi.sockets.disposeAll();
    await this.mounts.closeAll();
  }
}

import { type AppCallbacks, type AsyncCallbackOptions, settle } from './app-callbacks.js';
import { SimulatorError, SimulatorErrorCode } from './errors.js';
import { isAsyncApi, KNOWN_COMPONENTS, REFUSED_APIS } from './my-api-audit.js';
import { MySocketApi } from './my-socket.js';
import { myRequest, type RequestHost, type RequestOptions } from './my-request.js';
import { bytesOf, type Realm } from './realm.js';

/** How the simulated user answers dialogs: `my.confirm`, `my.prompt`, `my.showActionSheet`. */
export interface DialogAnswers {
  /** `my.confirm` → `{ confirm }`; true by default. */
  confirm: boolean;
  /** `my.prompt` → `{ ok: true, inputValue }`, or `{ ok: false }` (cancelled) when undefined; '' by default. */
  prompt: string | undefined;
  /** `my.showActionSheet` → `{ index }`; 0 by default. */
  actionSheet: number;
}

/** A `my.*` call that only affects the screen or the device (toast, alert, navigation …), as recorded. */
export interface UiCall {
  api: string;
  args: unknown;
}

/** What `my` needs from its instance. */
export interface MyApiHost extends AppCallbacks {
  realm: Realm;
  online(): boolean;
  /** Records a UI-only call (and emits it as the instance's 'ui' event). */
  recordUi(call: UiCall): void;
  /**
   * Page navigation (`navigateTo`, `redirectTo`, `navigateBack`, `reLaunch`, `switchTab`): resolved now
   * against the current page and carried out on a later task. Returns why it cannot be done, if so.
   */
  navigate(kind: string, args: Record<string, unknown>): string | undefined;
  /** Checks a socket/request URL against the device's network rules; returns the device's refusal. */
  checkUrl(kind: 'socket' | 'request', url: string): { error: number; errorMessage: string } | undefined;
  /** How the simulated user answers dialogs, read at each call. */
  dialogs: DialogAnswers;
  /** The app's launch options, for `getLaunchOptionsSync`. */
  launchOptions(): Record<string, unknown>;
  /** `my.createRtcRoomContext(id)`. */
  rtcRoomContext(id: string): Record<string, unknown>;
  /** What `getSystemInfo` reports. */
  systemInfo: Record<string, unknown>;
}

// Names a host may probe on any object (promises, serializers, inspectors) that must not count as API calls.
const PROBES = new Set([
  'then',
  'toJSON',
  'inspect',
  'constructor',
  'asymmetricMatch',
  '$$typeof',
  'nodeType',
]);

/** The base library version reported to the app (`my.SDKVersion`, `getSystemInfo().SDKVersion`). */
export const SIMULATED_SDK_VERSION = '2.9.11';

/** What `my.getSystemInfo` reports unless the instance overrides it: a mid-range Android phone. */
export const DEFAULT_SYSTEM_INFO: Readonly<Record<string, unknown>> = {
  app: 'alipay',
  platform: 'Android',
  brand: 'MiniRTC',
  model: 'Simulator',
  system: '13',
  version: '10.5.36',
  SDKVersion: SIMULATED_SDK_VERSION,
  language: 'zh-Hans',
  pixelRatio: 3,
  screenWidth: 390,
  screenHeight: 844,
  windowWidth: 390,
  windowHeight: 844,
};

/**
 * The `my` object of one instance. Supported APIs follow Alipay's shapes and callback conventions;
 * anything else is a function that throws a {@link SimulatorError} naming the API, so a gap in the
 * emulation shows up as a clear test failure instead of a silent `undefined`.
 */
export class MyApi {
  /** The socket part, exposed for the instance's network faults. */
  readonly sockets: MySocketApi;
  /** The object installed as the global `my`. */
  readonly my: Record<string, unknown>;
  private readonly networkListeners = new Set<unknown>();
  private readonly storage = new Map<string, string>();
  private readonly inflight = new Set<() => void>();

  constructor(private readonly host: MyApiHost) {
    this.sockets = new MySocketApi(host);
    const api = this.withPromises(this.build());
    this.my = new Proxy(api, {
      get(target, prop) {
        if (typeof prop === 'symbol' || Object.hasOwn(target, prop)) return Reflect.get(target, prop);
        if (PROBES.has(prop)) return undefined;
        const why = Object.hasOwn(REFUSED_APIS, prop) ? `: ${REFUSED_APIS[prop]}` : '';
        return () => {
          throw new SimulatorError(
            SimulatorErrorCode.UNSUPPORTED_API,
            `my.${prop} is not supported by the simulator${why}`,
          );
        };
      },
      has: (target, prop) => Object.hasOwn(target, prop),
    });
  }

  /**
   * Async APIs called without `success`/`fail`/`complete` return a Promise of the app's realm, as on the
   * device (`const { confirm } = await my.confirm({...})`): resolved with what `success` would get,
   * rejected with what `fail` would get. With any callback given, they keep their usual return value.
   */
  private withPromises(api: Record<string, unknown>): Record<string, unknown> {
    const h = this.host;
    for (const [name, fn] of Object.entries(api)) {
      if (!isAsyncApi(name, fn)) continue;
      const impl = fn as (o?: unknown) => unknown;
      api[name] = (o?: unknown) => {
        const opts = (typeof o === 'object' && o !== null ? o : {}) as Record<string, unknown>;
        if (
          typeof opts['success'] === 'function' ||
          typeof opts['fail'] === 'function' ||
          typeof opts['complete'] === 'function'
        ) {
          return impl(o);
        }
        const d = h.realm.deferred();
        // The app's `await` continues in a microtask; a later no-op call tells waits to look again.
        const poke = (): void => h.defer(() => h.call(() => undefined));
        impl({
          ...opts,
          success: (v: unknown) => {
            d.resolve(v);
            poke();
          },
          fail: (e: unknown) => {
            d.reject(e);
            poke();
          },
        });
        return d.promise;
      };
    }
    return api;
  }

  /** Fails every HTTP request in flight with a network error (network loss). */
  dropRequests(): void {
    for (const lost of [...this.inflight]) lost();
  }

  /** Tells every `my.onNetworkStatusChange` listener. */
  networkChanged(res: { isConnected: boolean; networkType: string }): void {
    for (const cb of [...this.networkListeners]) this.host.call(cb, { ...res });
  }

  private build(): Record<string, unknown> {
    const h = this.host;
    const s = this.sockets;
    const ui =
      (api: string, result: unknown | (() => unknown) = {}) =>
      (o?: AsyncCallbackOptions) => {
        h.recordUi({ api, args: o });
        const res = typeof result === 'function' ? (result as () => unknown)() : result;
        if (typeof o === 'object' && o !== null) settle(h, o, true, res);
      };
    const d = h.dialogs;
    const sysInfo = () => ({ ...h.systemInfo });
    const getStorage = (o: { key?: unknown } = {}) => {
      const v = this.storage.get(String(o.key));
      return { data: v === undefined ? null : h.realm.parseJson(v) };
    };
    const setStorage = (o: { key?: unknown; data?: unknown } = {}) => {
      this.storage.set(String(o.key), JSON.stringify(o.data ?? null));
      return { success: true };
    };
    const removeStorage = (o: { key?: unknown } = {}) => {
      this.storage.delete(String(o.key));
      return { success: true };
    };
    const storageInfo = () => {
      let size = 0;
      for (const [k, v] of this.storage) size += k.length + v.length;
      return { keys: [...this.storage.keys()], currentSize: Math.ceil(size / 1024), limitSize: 10240 };
    };
    const authSetting = { authSetting: { camera: true, audioRecord: true, userLocation: false } };
    let clipboard = '';
    const appListeners = { show: new Set<unknown>(), hide: new Set<unknown>(), error: new Set<unknown>() };
    const listen = (set: Set<unknown>) => (cb: unknown) => typeof cb === 'function' && set.add(cb);
    const unlisten = (set: Set<unknown>) => (cb?: unknown) =>
      cb === undefined ? set.clear() : set.delete(cb);
    const api: Record<string, unknown> = {
      SDKVersion: SIMULATED_SDK_VERSION,
      // True for what the simulator implements (`'request'`, `'request.object.timeout'`) and the
      // components it renders; false for refused or unknown APIs, so feature checks take their fallback.
      canIUse: (what: unknown) => {
        const head = String(what).split('.')[0] ?? '';
        return Object.hasOwn(api, head) || KNOWN_COMPONENTS.has(head);
      },
      // --- base ---
      arrayBufferToBase64: (buf: unknown) => {
        const bytes = bytesOf(buf);
        if (bytes === undefined) {
          throw new SimulatorError(
            SimulatorErrorCode.INVALID_API_ARGS,
            'my.arrayBufferToBase64 takes an ArrayBuffer',
          );
        }
        return Buffer.from(bytes).toString('base64');
      },
      base64ToArrayBuffer: (b64: unknown) => h.realm.arrayBuffer(Buffer.from(String(b64), 'base64')),
      getLaunchOptionsSync: () => h.realm.clone(h.launchOptions()),
      getEnterOptionsSync: () => h.realm.clone(h.launchOptions()),
      // The simulated phone never goes to the background, so these listeners are kept but never called.
      onAppShow: listen(appListeners.show),
      offAppShow: unlisten(appListeners.show),
      onAppHide: listen(appListeners.hide),
      offAppHide: unlisten(appListeners.hide),
      onError: listen(appListeners.error),
      offError: unlisten(appListeners.error),
      // --- network ---
      connectSocket: (o: Record<string, unknown>) => s.connectSocket(o),
      sendSocketMessage: (o: Record<string, unknown>) => s.sendSocketMessage(o),
      closeSocket: (o: Record<string, unknown>) => s.closeSocket(o),
      onSocketOpen: (cb: unknown) => s.on('open', cb),
      onSocketMessage: (cb: unknown) => s.on('message', cb),
      onSocketError: (cb: unknown) => s.on('error', cb),
      onSocketClose: (cb: unknown) => s.on('close', cb),
      offSocketOpen: (cb?: unknown) => s.off('open', cb),
      offSocketMessage: (cb?: unknown) => s.off('message', cb),
      offSocketError: (cb?: unknown) => s.off('error', cb),
      offSocketClose: (cb?: unknown) => s.off('close', cb),
      request: (o: RequestOptions) => myRequest(this.requestHost(), o),
      httpRequest: (o: RequestOptions) => myRequest(this.requestHost(), o),
      onNetworkStatusChange: (cb: unknown) => typeof cb === 'function' && this.networkListeners.add(cb),
      offNetworkStatusChange: (cb?: unknown) =>
        cb === undefined ? this.networkListeners.clear() : this.networkListeners.delete(cb),
      getNetworkType: (o: AsyncCallbackOptions) =>
        settle(h, o, true, { networkAvailable: h.online(), networkType: h.online() ? 'WIFI' : 'NONE' }),
      // --- device ---
      getSystemInfo: (o: AsyncCallbackOptions) => settle(h, o, true, sysInfo()),
      getSystemInfoSync: sysInfo,
      getStorageSync: getStorage,
      setStorageSync: setStorage,
      removeStorageSync: removeStorage,
      clearStorageSync: () => this.storage.clear(),
      clearStorage: (o: AsyncCallbackOptions) => {
        this.storage.clear();
        settle(h, o, true, { success: true });
      },
      getStorageInfoSync: storageInfo,
      getStorageInfo: (o: AsyncCallbackOptions) => settle(h, o, true, storageInfo()),
      getStorage: (o: { key?: unknown } & AsyncCallbackOptions) => settle(h, o, true, getStorage(o)),
      setStorage: (o: { key?: unknown; data?: unknown } & AsyncCallbackOptions) =>
        settle(h, o, true, setStorage(o)),
      removeStorage: (o: { key?: unknown } & AsyncCallbackOptions) => settle(h, o, true, removeStorage(o)),
      getSetting: (o: AsyncCallbackOptions) => settle(h, o, true, authSetting),
      openSetting: ui('openSetting', authSetting),
      vibrateShort: ui('vibrateShort'),
      vibrateLong: ui('vibrateLong'),
      vibrate: ui('vibrate'),
      setKeepScreenOn: ui('setKeepScreenOn'),
      getScreenBrightness: (o: AsyncCallbackOptions) => settle(h, o, true, { brightness: 0.5 }),
      setScreenBrightness: ui('setScreenBrightness'),
      makePhoneCall: ui('makePhoneCall'),
      getClipboard: (o: AsyncCallbackOptions) => settle(h, o, true, { text: clipboard }),
      setClipboard: (o: { text?: unknown } & AsyncCallbackOptions) => {
        clipboard = String(o?.text ?? '');
        settle(h, o, true, {});
      },
      reportAnalytics: (name: unknown, data: unknown) =>
        h.recordUi({ api: 'reportAnalytics', args: { name, data } }),
      // --- rtc ---
      createRtcRoomContext: (id: unknown) => h.rtcRoomContext(String(id)),
      call: (name: unknown, params?: unknown, cb?: unknown) => {
        if (name !== 'prepareRTCResource') {
          throw new SimulatorError(
            SimulatorErrorCode.UNSUPPORTED_API,
            `my.call('${String(name)}') is not supported`,
          );
        }
        h.recordUi({ api: `call:${name}`, args: params });
        const res = { success: true };
        const opts = (typeof params === 'object' && params !== null ? params : {}) as AsyncCallbackOptions;
        settle(h, opts, true, res);
        if (typeof params === 'function') h.defer(() => h.call(params, res));
        if (typeof cb === 'function') h.defer(() => h.call(cb, res));
      },
      // --- UI: recorded, callbacks answered as if the user saw and acknowledged them ---
      alert: ui('alert'),
      // The user's answers come from the instance's dialog settings (a scenario's `dialogs`).
      confirm: ui('confirm', () => ({ confirm: d.confirm })),
      prompt: ui('prompt', () => ({ ok: d.prompt !== undefined, inputValue: d.prompt ?? '' })),
      showActionSheet: ui('showActionSheet', () => ({ index: d.actionSheet })),
      showToast: ui('showToast'),
      hideToast: ui('hideToast'),
      showLoading: ui('showLoading'),
      hideLoading: ui('hideLoading'),
      setNavigationBar: ui('setNavigationBar'),
      showNavigationBarLoading: ui('showNavigationBarLoading'),
      hideNavigationBarLoading: ui('hideNavigationBarLoading'),
      hideBackHome: ui('hideBackHome'),
      navigateTo: (o: Record<string, unknown> = {}) => this.nav('navigateTo', o),
      redirectTo: (o: Record<string, unknown> = {}) => this.nav('redirectTo', o),
      reLaunch: (o: Record<string, unknown> = {}) => this.nav('reLaunch', o),
      navigateBack: (o: Record<string, unknown> = {}) => this.nav('navigateBack', o),
      switchTab: (o: Record<string, unknown> = {}) => this.nav('switchTab', o),
    };
    return api;
  }

  private requestHost(): RequestHost {
    const h = this.host;
    return {
      call: (fn, ...a) => h.call(fn, ...a),
      defer: (fn) => h.defer(fn),
      realm: h.realm,
      online: () => h.online(),
      checkUrl: (url) => h.checkUrl('request', url),
      trackInflight: (lost) => {
        this.inflight.add(lost);
        return () => this.inflight.delete(lost);
      },
    };
  }

  private nav(kind: string, o: Record<string, unknown>): void {
    this.host.recordUi({ api: kind, args: o });
    const error = this.host.navigate(kind, o);
    // Error 2 is Alipay's "invalid parameter": the device fails the call for a page that does not exist.
    settle(this.host, o, error === undefined, error === undefined ? {} : { error: 2, errorMessage: error });
  }
}

import { type AppCallbacks, type AsyncCallbackOptions, settle } from './app-callbacks.js';
import { SimulatorError, SimulatorErrorCode } from './errors.js';
import { MySocketApi } from './my-socket.js';
import { myRequest, type RequestHost, type RequestOptions } from './my-request.js';
import type { Realm } from './realm.js';

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
  /** Page navigation: `navigateTo`, `redirectTo`, `navigateBack`, `reLaunch`. */
  navigate(kind: string, args: Record<string, unknown>): void;
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
    const api = this.build();
    this.my = new Proxy(api, {
      get(target, prop) {
        if (typeof prop === 'symbol' || Object.hasOwn(target, prop)) return Reflect.get(target, prop);
        if (PROBES.has(prop)) return undefined;
        return () => {
          throw new SimulatorError(
            SimulatorErrorCode.UNSUPPORTED_API,
            `my.${prop} is not supported by the simulator`,
          );
        };
      },
      has: (target, prop) => Object.hasOwn(target, prop),
    });
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
      (api: string, result: unknown = {}) =>
      (o?: AsyncCallbackOptions) => {
        h.recordUi({ api, args: o });
        if (typeof o === 'object' && o !== null) settle(h, o, true, result);
      };
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
    const authSetting = { authSetting: { camera: true, audioRecord: true, userLocation: false } };
    return {
      SDKVersion: SIMULATED_SDK_VERSION,
      canIUse: () => true,
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
      getStorage: (o: { key?: unknown } & AsyncCallbackOptions) => settle(h, o, true, getStorage(o)),
      setStorage: (o: { key?: unknown; data?: unknown } & AsyncCallbackOptions) =>
        settle(h, o, true, setStorage(o)),
      removeStorage: (o: { key?: unknown } & AsyncCallbackOptions) => settle(h, o, true, removeStorage(o)),
      getSetting: (o: AsyncCallbackOptions) => settle(h, o, true, authSetting),
      openSetting: ui('openSetting', authSetting),
      vibrateShort: ui('vibrateShort'),
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
      confirm: ui('confirm', { confirm: true }),
      showToast: ui('showToast'),
      hideToast: ui('hideToast'),
      showLoading: ui('showLoading'),
      hideLoading: ui('hideLoading'),
      setNavigationBar: ui('setNavigationBar'),
      navigateTo: (o: Record<string, unknown> = {}) => this.nav('navigateTo', o),
      redirectTo: (o: Record<string, unknown> = {}) => this.nav('redirectTo', o),
      reLaunch: (o: Record<string, unknown> = {}) => this.nav('reLaunch', o),
      navigateBack: (o: Record<string, unknown> = {}) => this.nav('navigateBack', o),
    };
  }

  private requestHost(): RequestHost {
    const h = this.host;
    return {
      call: (fn, ...a) => h.call(fn, ...a),
      defer: (fn) => h.defer(fn),
      realm: h.realm,
      online: () => h.online(),
      trackInflight: (lost) => {
        this.inflight.add(lost);
        return () => this.inflight.delete(lost);
      },
    };
  }

  private nav(kind: string, o: Record<string, unknown>): void {
    this.host.recordUi({ api: kind, args: o });
    this.host.navigate(kind, o);
    settle(this.host, o, true, {});
  }
}

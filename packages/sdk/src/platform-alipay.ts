import type { Platform, PlatformRequest, PlatformResponse, PlatformSocket } from './platform.js';
import { globalTimers } from './platform.js';
import { failedSocket } from './platform-browser.js';
import { SdkErrorCode } from './sdk-errors.js';

type Cb<T = unknown> = (res: T) => void;

/** Alipay's `SocketTask` (returned by `my.connectSocket({ multiple: true })`). */
interface AlipaySocketTask {
  send(opts: { data: string; success?: Cb; fail?: Cb }): void;
  close(opts?: { code?: number; reason?: string }): void;
  onOpen(cb: Cb): void;
  onMessage(cb: Cb<{ data?: unknown }>): void;
  onClose(cb: Cb<{ code?: number; reason?: string }>): void;
  onError(cb: Cb): void;
}

/** The part of Alipay's `my` the SDK uses. */
export interface AlipayMy {
  connectSocket(opts: {
    url: string;
    multiple?: boolean;
    success?: Cb;
    fail?: Cb;
  }): AlipaySocketTask | undefined;
  onSocketOpen?(cb: Cb): void;
  offSocketOpen?(cb?: Cb): void;
  onSocketMessage?(cb: Cb<{ data?: unknown }>): void;
  offSocketMessage?(cb?: Cb): void;
  onSocketError?(cb: Cb): void;
  offSocketError?(cb?: Cb): void;
  onSocketClose?(cb: Cb<{ code?: number; reason?: string }>): void;
  offSocketClose?(cb?: Cb): void;
  sendSocketMessage?(opts: { data: string; success?: Cb; fail?: Cb }): void;
  closeSocket?(opts?: { code?: number; reason?: string; success?: Cb; fail?: Cb }): void;
  request?(opts: {
    url: string;
    method: string;
    data?: unknown;
    headers?: Record<string, string>;
    header?: Record<string, string>;
    dataType?: string;
    timeout?: number;
    success?: Cb<{ data?: unknown; status?: number; statusCode?: number }>;
    fail?: Cb<{ error?: number; errorMessage?: string; status?: number }>;
  }): void;
  onNetworkStatusChange?(cb: Cb<{ isConnected?: boolean; networkType?: string }>): void;
  offNetworkStatusChange?(cb?: Cb): void;
  getSystemInfoSync?(): Record<string, unknown>;
  createRtcRoomContext?(id: string): unknown;
  canIUse?(what: string): boolean;
}

/** Text of a socket message: Alipay delivers `res.data` as the string (some versions nest it once more). */
function messageText(res: { data?: unknown } | undefined): string | undefined {
  const d = res?.data;
  if (typeof d === 'string') return d;
  if (typeof d === 'object' && d !== null && typeof (d as { data?: unknown }).data === 'string')
    return (d as { data: string }).data;
  return undefined;
}

/** Adapts a SocketTask: each connection has its own listeners (no cross-talk between sockets). */
function taskSocket(task: AlipaySocketTask): PlatformSocket {
  let closed = false;
  let onClose: (code: number, reason: string) => void = () => {};
  task.onClose((res) => {
    if (closed) return;
    closed = true;
    onClose(res?.code ?? 1006, res?.reason ?? '');
  });
  return {
    send: (data) => task.send({ data }),
    close: (code, reason) => task.close({ code: code ?? 1000, reason: reason ?? '' }),
    onOpen: (cb) => task.onOpen(() => cb()),
    onMessage: (cb) =>
      task.onMessage((res) => {
        const t = messageText(res);
        if (t !== undefined) cb(t);
      }),
    onClose: (cb) => {
      onClose = cb;
    },
    onError: (cb) => task.onError(cb),
  };
}

/**
 * Adapts the old single-socket API (`my.onSocketMessage` …). Only one such socket exists per app, so
 * every listener is removed on close, and events are ignored once this socket is no longer current.
 */
function globalSocket(my: AlipayMy): PlatformSocket {
  let onOpen: () => void = () => {};
  let onMessage: (d: string) => void = () => {};
  let onError: (e: unknown) => void = () => {};
  let onClose: (code: number, reason: string) => void = () => {};
  let closed = false;
  const hOpen = () => {
    if (!closed) onOpen();
  };
  const hMessage = (res: { data?: unknown }) => {
    const t = messageText(res);
    if (!closed && t !== undefined) onMessage(t);
  };
  const hError = (e: unknown) => {
    if (!closed) onError(e);
  };
  const hClose = (res: { code?: number; reason?: string }) => finish(res?.code ?? 1006, res?.reason ?? '');
  const finish = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    my.offSocketOpen?.(hOpen as Cb);
    my.offSocketMessage?.(hMessage as Cb);
    my.offSocketError?.(hError as Cb);
    my.offSocketClose?.(hClose as Cb);
    onClose(code, reason);
  };
  my.onSocketOpen?.(hOpen);
  my.onSocketMessage?.(hMessage);
  my.onSocketError?.(hError);
  my.onSocketClose?.(hClose);
  return {
    send: (data) => my.sendSocketMessage?.({ data }),
    close: (code, reason) => {
      my.closeSocket?.({ code: code ?? 1000, reason: reason ?? '' });
      // Some base libraries fire no onSocketClose after closeSocket: finish here so the engine moves on.
      finish(code ?? 1000, reason ?? '');
    },
    onOpen: (cb) => {
      onOpen = cb;
    },
    onMessage: (cb) => {
      onMessage = cb;
    },
    onClose: (cb) => {
      onClose = cb;
    },
    onError: (cb) => {
      onError = cb;
    },
  };
}

function alipayRequest(my: AlipayMy, opts: PlatformRequest): Promise<PlatformResponse> {
  return new Promise((resolve, reject) => {
    if (!my.request) {
      reject(new Error('my.request is not available'));
      return;
    }
    const headers = { 'content-type': 'application/json', ...opts.headers };
    my.request({
      url: opts.url,
      method: opts.method,
      // A string body goes out as is; an object would be form-encoded by older base libraries.
      data: opts.data === undefined ? undefined : JSON.stringify(opts.data),
      headers,
      header: headers,
      dataType: 'text',
      timeout: opts.timeoutMs,
      success: (res) => resolve({ status: res?.status ?? res?.statusCode ?? 200, data: res?.data }),
      fail: (err) => reject(new Error(err?.errorMessage ?? `my.request failed (${err?.error ?? '?'})`)),
    });
  });
}

/** Alipay mini-program: `my.connectSocket` (SocketTask when available), `my.request`, network status. */
export function createAlipayPlatform(my: AlipayMy): Platform {
  return {
    name: 'alipay',
    ...globalTimers,
    connect(url: string): PlatformSocket {
      let failed = false;
      let task: AlipaySocketTask | undefined;
      try {
        task = my.connectSocket({
          url,
          multiple: true,
          fail: () => {
            failed = true;
          },
        });
      } catch {
        return failedSocket();
      }
      if (task && typeof task.onMessage === 'function') return taskSocket(task);
      // No SocketTask: the base library predates `multiple`; use the global socket API.
      const s = globalSocket(my);
      if (failed) s.close(1006, 'connectSocket failed');
      return s;
    },
    request: (opts) => alipayRequest(my, opts),
    onNetworkChange(cb) {
      if (!my.onNetworkStatusChange) return () => {};
      const h = (res: { isConnected?: boolean }) => cb(res?.isConnected !== false);
      my.onNetworkStatusChange(h);
      return () => my.offNetworkStatusChange?.(h as Cb);
    },
    systemInfo: () => {
      try {
        return { runtime: 'alipay', ...my.getSystemInfoSync?.() };
      } catch {
        return { runtime: 'alipay' };
      }
    },
    checkRequirements: async () => {
      const rtcRoom =
        typeof my.createRtcRoomContext === 'function' || (my.canIUse ? my.canIUse('rtc-room') : false);
      const info = (() => {
        try {
          return my.getSystemInfoSync?.() ?? {};
        } catch {
          return {};
        }
      })();
      return {
        code: rtcRoom ? 0 : SdkErrorCode.SYSTEM_REQUIREMENTS_UNMET,
        rtcRoom,
        webSocket: true,
        SDKVersion: info.SDKVersion,
      };
    },
  };
}

// The mini-program runtime injects `my` as a free variable, not necessarily on globalThis.
declare const my: AlipayMy | undefined;

/** Detector: Alipay when `my.connectSocket` exists. */
export function detectAlipay(): Platform | undefined {
  const m = typeof my !== 'undefined' ? my : (globalThis as { my?: AlipayMy }).my;
  return m && typeof m.connectSocket === 'function' ? createAlipayPlatform(m) : undefined;
}

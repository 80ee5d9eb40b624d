import { fetchRequest } from './fetch-request.js';
import type { Platform, PlatformSocket } from './platform.js';
import { globalTimers } from './platform.js';
import { wrapStandardSocket } from './socket-adapter.js';
import type { StandardWebSocket } from './socket-adapter.js';

interface BrowserWindow {
  addEventListener(type: string, cb: () => void): void;
  removeEventListener(type: string, cb: () => void): void;
  navigator?: { userAgent?: string; onLine?: boolean };
}

/** Browsers: `WebSocket`, `fetch`, and the window's online/offline events. */
export function createBrowserPlatform(): Platform {
  const g = globalThis as unknown as {
    WebSocket: new (url: string) => StandardWebSocket;
    window: BrowserWindow;
  };
  return {
    name: 'browser',
    ...globalTimers,
    connect(url: string): PlatformSocket {
      try {
        return wrapStandardSocket(new g.WebSocket(url));
      } catch {
        // A malformed URL throws synchronously; report it as a failed connect like any other.
        return failedSocket();
      }
    },
    request: fetchRequest,
    onNetworkChange(cb) {
      const on = () => cb(true);
      const off = () => cb(false);
      g.window.addEventListener('online', on);
      g.window.addEventListener('offline', off);
      return () => {
        g.window.removeEventListener('online', on);
        g.window.removeEventListener('offline', off);
      };
    },
    systemInfo: () => ({ runtime: 'browser', userAgent: g.window.navigator?.userAgent }),
    checkRequirements: async () => ({ code: 0, webSocket: true, media: false }),
  };
}

/** A socket that fails at once (close 1006 on the next tick). */
export function failedSocket(): PlatformSocket {
  let onClose: (code: number, reason: string) => void = () => {};
  setTimeout(() => onClose(1006, 'connect failed'), 0);
  return {
    send() {},
    close() {},
    onOpen() {},
    onMessage() {},
    onClose(cb) {
      onClose = cb;
    },
    onError() {},
  };
}

/** Detector: a browser has both `window` and `WebSocket`. */
export function detectBrowser(): Platform | undefined {
  const g = globalThis as { window?: unknown; WebSocket?: unknown };
  return typeof g.window !== 'undefined' && typeof g.WebSocket === 'function'
    ? createBrowserPlatform()
    : undefined;
}

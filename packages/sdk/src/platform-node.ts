import { fetchRequest } from './fetch-request.js';
import type { Platform, PlatformSocket } from './platform.js';
import { globalTimers } from './platform.js';
import { deferredSocket, wrapStandardSocket } from './socket-adapter.js';
import type { StandardWebSocket } from './socket-adapter.js';

type WsCtor = new (url: string) => StandardWebSocket;

let wsCtor: Promise<WsCtor> | undefined;

/** The WebSocket class: Node's global one (≥ 22) if present, else the `ws` package, loaded lazily. */
function loadWebSocket(): Promise<WsCtor> {
  const g = (globalThis as { WebSocket?: WsCtor }).WebSocket;
  if (g) return Promise.resolve(g);
  // A variable specifier keeps bundlers from trying to inline `ws` into browser or mini-program builds.
  const name = 'ws';
  wsCtor ??= import(name).then((m: { default?: WsCtor; WebSocket?: WsCtor }) => {
    const C = m.WebSocket ?? m.default;
    if (!C) throw new Error('ws has no WebSocket export');
    return C;
  });
  return wsCtor;
}

/** Node: WebSocket (global or `ws`) and `fetch`. No network-change signal exists, so none is sent. */
export function createNodePlatform(): Platform {
  return {
    name: 'node',
    ...globalTimers,
    connect(url: string): PlatformSocket {
      return deferredSocket(loadWebSocket().then((C) => wrapStandardSocket(new C(url))));
    },
    request: fetchRequest,
    onNetworkChange: () => () => {},
    systemInfo: () => {
      const p = (globalThis as { process?: { version?: string; platform?: string; arch?: string } }).process;
      return { runtime: 'node', version: p?.version, os: p?.platform, arch: p?.arch };
    },
    checkRequirements: async () => ({ code: 0, webSocket: true, media: false }),
  };
}

/** Detector: Node when `process.versions.node` is set. */
export function detectNode(): Platform | undefined {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return p?.versions?.node ? createNodePlatform() : undefined;
}

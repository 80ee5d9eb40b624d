import type { PlatformSocket } from './platform.js';

/** The subset of the standard WebSocket API the adapters rely on (browsers, Node ≥ 22, `ws`). */
export interface StandardWebSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/**
 * Wraps a standard WebSocket as a {@link PlatformSocket}. Binary frames are ignored (the protocol is
 * JSON text), and the close callback fires exactly once even if `close()` races the peer.
 */
export function wrapStandardSocket(ws: StandardWebSocket): PlatformSocket {
  let onOpen: () => void = () => {};
  let onMessage: (d: string) => void = () => {};
  let onClose: (code: number, reason: string) => void = () => {};
  let onError: (e: unknown) => void = () => {};
  let closed = false;
  ws.onopen = () => onOpen();
  ws.onmessage = (ev) => {
    if (typeof ev.data === 'string') onMessage(ev.data);
  };
  ws.onerror = (ev) => onError(ev);
  ws.onclose = (ev) => {
    if (closed) return;
    closed = true;
    onClose(ev?.code ?? 1006, ev?.reason ?? '');
  };
  return {
    send: (d) => ws.send(d),
    close: (code, reason) => {
      try {
        // Browsers only accept 1000 or 3000–4999 from scripts.
        const c = code === 1000 || (code !== undefined && code >= 3000 && code <= 4999) ? code : 1000;
        ws.close(c, reason);
      } catch {
        // closing a socket that never opened may throw in some runtimes
      }
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

/**
 * A socket whose real implementation arrives later (Node's dynamic `import('ws')`): calls made
 * before it exists are replayed in order.
 */
export function deferredSocket(create: Promise<PlatformSocket>): PlatformSocket {
  const calls: ((s: PlatformSocket) => void)[] = [];
  let real: PlatformSocket | undefined;
  let failedClose: ((code: number, reason: string) => void) | undefined;
  let failed = false;
  create.then(
    (s) => {
      real = s;
      for (const c of calls.splice(0)) c(s);
    },
    () => {
      failed = true;
      failedClose?.(1006, 'WebSocket implementation unavailable');
    },
  );
  const call = (fn: (s: PlatformSocket) => void) => (real ? fn(real) : calls.push(fn));
  return {
    send: (d) => call((s) => s.send(d)),
    close: (code, reason) => call((s) => s.close(code, reason)),
    onOpen: (cb) => call((s) => s.onOpen(cb)),
    onMessage: (cb) => call((s) => s.onMessage(cb)),
    onClose: (cb) => {
      failedClose = cb;
      if (failed) cb(1006, 'WebSocket implementation unavailable');
      call((s) => s.onClose(cb));
    },
    onError: (cb) => call((s) => s.onError(cb)),
  };
}

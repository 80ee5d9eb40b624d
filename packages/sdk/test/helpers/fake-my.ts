import { WebSocket } from 'ws';

type Cb = (res: unknown) => void;

/** What the fake records, for assertions. */
export interface FakeMyStats {
  connects: { url: string; multiple: boolean }[];
  requests: { url: string; method: string; body: string }[];
}

/**
 * A fake Alipay `my` whose sockets are real `ws` clients: `task` mode returns SocketTasks
 * (`multiple: true`), `global` mode only offers the old `my.onSocket*` API (one socket at a time).
 * Callbacks receive Alipay-shaped results (`{ data }`, `{ code, reason }`, `{ status, data }`).
 */
export function createFakeMy(mode: 'task' | 'global'): { my: Record<string, unknown>; stats: FakeMyStats } {
  const stats: FakeMyStats = { connects: [], requests: [] };
  const handlers: Record<string, Cb[]> = { open: [], message: [], error: [], close: [] };
  let current: WebSocket | undefined;
  const fire = (kind: string, res: unknown) => {
    for (const cb of (handlers[kind] ?? []).slice()) cb(res);
  };
  const on = (kind: string) => (cb: Cb) => void (handlers[kind] as Cb[]).push(cb);
  const off = (kind: string) => (cb?: Cb) => {
    handlers[kind] = cb ? (handlers[kind] ?? []).filter((x) => x !== cb) : [];
  };

  const my: Record<string, unknown> = {
    connectSocket(opts: { url: string; multiple?: boolean; fail?: Cb }) {
      stats.connects.push({ url: opts.url, multiple: opts.multiple === true });
      const ws = new WebSocket(opts.url);
      ws.on('error', () => {});
      if (mode === 'task' && opts.multiple) {
        return {
          send: (o: { data: string }) => ws.send(o.data),
          close: (o: { code?: number; reason?: string } = {}) => ws.close(o.code ?? 1000, o.reason),
          onOpen: (cb: Cb) => ws.on('open', () => cb({})),
          onMessage: (cb: Cb) => ws.on('message', (d) => cb({ data: String(d), isBuffer: false })),
          onClose: (cb: Cb) => ws.on('close', (code, reason) => cb({ code, reason: String(reason) })),
          onError: (cb: Cb) => ws.on('error', (e) => cb({ errorMessage: String(e) })),
        };
      }
      // single-socket API: this socket becomes "the" socket of the app
      current = ws;
      ws.on('open', () => ws === current && fire('open', {}));
      ws.on('message', (d) => ws === current && fire('message', { data: String(d), isBuffer: false }));
      ws.on('error', (e) => ws === current && fire('error', { errorMessage: String(e) }));
      ws.on('close', (code, reason) => ws === current && fire('close', { code, reason: String(reason) }));
      return undefined;
    },
    onSocketOpen: on('open'),
    offSocketOpen: off('open'),
    onSocketMessage: on('message'),
    offSocketMessage: off('message'),
    onSocketError: on('error'),
    offSocketError: off('error'),
    onSocketClose: on('close'),
    offSocketClose: off('close'),
    sendSocketMessage: (o: { data: string }) => current?.send(o.data),
    closeSocket: (o: { code?: number; reason?: string } = {}) => current?.close(o.code ?? 1000, o.reason),
    request(o: {
      url: string;
      method: string;
      data?: string;
      headers?: Record<string, string>;
      success?: Cb;
      fail?: Cb;
    }) {
      stats.requests.push({ url: o.url, method: o.method, body: String(o.data ?? '') });
      fetch(o.url, { method: o.method, headers: o.headers, body: o.data }).then(
        async (res) => o.success?.({ status: res.status, data: await res.text() }),
        (err) => o.fail?.({ error: 12, errorMessage: String(err) }),
      );
    },
    onNetworkStatusChange: () => {},
    offNetworkStatusChange: () => {},
    getSystemInfoSync: () => ({ platform: 'iOS', SDKVersion: '2.9.0', model: 'fake' }),
    createRtcRoomContext: () => ({ stop() {} }),
  };
  return { my, stats };
}

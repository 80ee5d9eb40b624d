import { WebSocket } from 'ws';
import { type AppCallbacks, type AsyncCallbackOptions, settle } from './app-callbacks.js';
import { SimulatorError, SimulatorErrorCode } from './errors.js';
import { bytesOf, type Realm } from './realm.js';

/** What a socket needs from its instance. */
export interface SocketHost extends AppCallbacks {
  realm: Realm;
  /** False while the instance's network is dropped: connecting then fails as on a device offline. */
  online(): boolean;
  /** The device's network rules: a refusal fails the connect with the device's error. */
  checkUrl?(kind: 'socket', url: string): { error: number; errorMessage: string } | undefined;
}

/** Why a connect failed at once, as `fail` receives it. */
interface ConnectFailure {
  error: number;
  errorMessage: string;
}

type SocketEvent = 'open' | 'message' | 'error' | 'close';
type Listener = (payload: unknown) => void;

/** Options of `my.connectSocket`. Alipay spells the header option `headers`; `header` is accepted too. */
export interface ConnectSocketOptions extends AsyncCallbackOptions {
  url?: unknown;
  headers?: unknown;
  header?: unknown;
  protocols?: unknown;
  multiple?: unknown;
}

/**
 * One WebSocket of the app, over a real `ws` client. It reports raw events to `sink`; the two API forms
 * (global `my.onSocket*` and SocketTask) shape the payloads their own way.
 */
class SimSocket {
  private ws: WebSocket | undefined;
  private silenced = false;

  constructor(
    private readonly host: SocketHost,
    readonly url: string,
    private readonly sink: (
      ev: SocketEvent,
      data: { text?: string; bytes?: Uint8Array; code?: number; reason?: string; message?: string },
    ) => void,
  ) {}

  /**
   * Opens the connection. Offline or with a URL the client rejects, it fails on the next tick (error
   * then close, as a device reports it) and returns the reason for the call's `fail` callback.
   */
  connect(headers: Record<string, string>, protocols: string[] | undefined): ConnectFailure | undefined {
    const failLater = (message: string, error = 12): ConnectFailure => {
      this.host.defer(() => {
        this.sink('error', { message });
        this.sink('close', { code: 1006, reason: message });
      });
      return { error, errorMessage: message };
    };
    const refused = this.host.checkUrl?.('socket', this.url);
    if (refused !== undefined) return failLater(refused.errorMessage, refused.error);
    if (!this.host.online()) return failLater('network is not available');
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url, protocols, { headers });
    } catch (e) {
      return failLater((e as Error).message);
    }
    this.ws = ws;
    ws.on('open', () => !this.silenced && this.sink('open', {}));
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (this.silenced) return;
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      this.sink('message', isBinary ? { bytes: buf } : { text: buf.toString('utf8') });
    });
    ws.on('error', (e: Error) => !this.silenced && this.sink('error', { message: e.message }));
    ws.on('close', (code: number, reason: Buffer) => {
      if (!this.silenced) this.sink('close', { code, reason: reason.toString() });
    });
    return undefined;
  }

  get readyState(): number {
    return this.ws?.readyState ?? WebSocket.CLOSED;
  }

  send(data: string | Uint8Array): boolean {
    if (this.ws === undefined || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(data, { binary: typeof data !== 'string' });
    return true;
  }

  close(code?: number, reason?: string): void {
    if (this.ws === undefined) return;
    if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    else this.ws.close(code ?? 1000, reason ?? '');
  }

  /** Drops the TCP connection without a closing handshake, as losing the network does. */
  drop(): void {
    this.ws?.terminate();
  }

  /** Closes without telling the app: used when the whole instance shuts down. */
  dispose(): void {
    this.silenced = true;
    this.ws?.terminate();
  }
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') {
    throw new SimulatorError(SimulatorErrorCode.INVALID_API_ARGS, `${what} must be a non-empty string`);
  }
  return v;
}

function headersOf(o: ConnectSocketOptions): Record<string, string> {
  const h = (o.headers ?? o.header) as Record<string, unknown> | undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k] = String(v);
  return out;
}

function protocolsOf(o: ConnectSocketOptions): string[] | undefined {
  return Array.isArray(o.protocols) ? o.protocols.map(String) : undefined;
}

/**
 * The WebSocket part of `my`: the global form (one socket per app — a new `connectSocket` closes the old
 * one, as Alipay documents) and the SocketTask form (`multiple: true`), over real WebSockets.
 */
export class MySocketApi {
  private readonly sockets = new Set<SimSocket>();
  private global: SimSocket | undefined;
  private readonly globalListeners: Record<SocketEvent, Set<Listener>> = {
    open: new Set(),
    message: new Set(),
    error: new Set(),
    close: new Set(),
  };

  constructor(private readonly host: SocketHost) {}

  /** Number of sockets currently open or connecting. */
  get openCount(): number {
    return [...this.sockets].filter((s) => s.readyState <= WebSocket.OPEN).length;
  }

  /** `my.connectSocket`: returns a SocketTask with `multiple: true`, nothing otherwise. */
  connectSocket(o: ConnectSocketOptions = {}): unknown {
    const url = str(o.url, 'my.connectSocket url');
    if (o.multiple) return this.task(url, o);
    if (this.global !== undefined) {
      const old = this.global;
      this.global = undefined;
      old.close(1000, 'replaced by a new connectSocket');
    }
    const listeners = this.globalListeners;
    const sock: SimSocket = new SimSocket(this.host, url, (ev, d) => {
      if (ev === 'close') {
        this.sockets.delete(sock);
        if (this.global === sock) this.global = undefined;
      }
      const payload =
        ev === 'message'
          ? d.bytes !== undefined
            ? { data: Buffer.from(d.bytes).toString('base64'), isBuffer: true }
            : { data: d.text, isBuffer: false }
          : ev === 'error'
            ? { errorMessage: d.message, errMsg: d.message }
            : ev === 'close'
              ? { code: d.code, reason: d.reason }
              : {};
      for (const cb of [...listeners[ev]]) this.host.call(cb, payload);
    });
    this.sockets.add(sock);
    this.global = sock;
    this.settleConnect(o, sock.connect(headersOf(o), protocolsOf(o)));
    return undefined;
  }

  private task(url: string, o: ConnectSocketOptions): Record<string, unknown> {
    const listeners: Record<SocketEvent, Set<Listener>> = {
      open: new Set(),
      message: new Set(),
      error: new Set(),
      close: new Set(),
    };
    const sock: SimSocket = new SimSocket(this.host, url, (ev, d) => {
      if (ev === 'close') this.sockets.delete(sock);
      const payload =
        ev === 'message'
          ? { data: d.bytes !== undefined ? this.host.realm.arrayBuffer(d.bytes) : d.text }
          : ev === 'error'
            ? { errorMessage: d.message, errMsg: d.message }
            : ev === 'close'
              ? { code: d.code, reason: d.reason }
              : {};
      for (const cb of [...listeners[ev]]) this.host.call(cb, payload);
    });
    this.sockets.add(sock);
    const on = (ev: SocketEvent) => (cb: unknown) =>
      typeof cb === 'function' && listeners[ev].add(cb as Listener);
    const off = (ev: SocketEvent) => (cb?: unknown) =>
      cb === undefined ? listeners[ev].clear() : listeners[ev].delete(cb as Listener);
    const task = {
      onOpen: on('open'),
      onMessage: on('message'),
      onError: on('error'),
      onClose: on('close'),
      offOpen: off('open'),
      offMessage: off('message'),
      offError: off('error'),
      offClose: off('close'),
      send: (so: { data?: unknown } & AsyncCallbackOptions = {}) => this.sendOn(sock, so.data, false, so),
      close: (co: { code?: number; reason?: string } & AsyncCallbackOptions = {}) => {
        sock.close(co.code, co.reason);
        settle(this.host, co, true, {});
      },
    };
    this.settleConnect(o, sock.connect(headersOf(o), protocolsOf(o)));
    return task;
  }

  // `success` means the device accepted the request to connect (the open comes later, by event);
  // `fail` that it refused at once: offline, or a malformed URL.
  private settleConnect(o: AsyncCallbackOptions, failure: ConnectFailure | undefined): void {
    if (failure === undefined) settle(this.host, o, true, {});
    else settle(this.host, o, false, failure);
  }

  private sendOn(
    sock: SimSocket | undefined,
    data: unknown,
    isBuffer: boolean,
    o: AsyncCallbackOptions,
  ): void {
    const bytes = bytesOf(data);
    const payload = bytes ?? (isBuffer ? Buffer.from(String(data), 'base64') : String(data));
    const ok = sock?.send(payload) ?? false;
    settle(this.host, o, ok, ok ? {} : { error: 10, errorMessage: 'WebSocket is not open' });
  }

  /** `my.sendSocketMessage({ data, isBuffer })`: with `isBuffer`, `data` is base64 of the bytes to send. */
  sendSocketMessage(o: { data?: unknown; isBuffer?: unknown } & AsyncCallbackOptions = {}): void {
    this.sendOn(this.global, o.data, Boolean(o.isBuffer), o);
  }

  /** `my.closeSocket`. */
  closeSocket(o: { code?: number; reason?: string } & AsyncCallbackOptions = {}): void {
    this.global?.close(o.code, o.reason);
    settle(this.host, o, true, {});
  }

  /** `my.onSocketOpen` and friends: global listeners that outlive any one socket. */
  on(ev: SocketEvent, cb: unknown): void {
    if (typeof cb === 'function') this.globalListeners[ev].add(cb as Listener);
  }

  /** `my.offSocketOpen(cb?)` and friends: without `cb`, removes every listener of the event. */
  off(ev: SocketEvent, cb?: unknown): void {
    if (cb === undefined) this.globalListeners[ev].clear();
    else this.globalListeners[ev].delete(cb as Listener);
  }

  /** Drops every socket abruptly (network loss); the app sees its close callbacks fire. */
  dropAll(): void {
    for (const s of this.sockets) s.drop();
  }

  /** Closes every socket without callbacks (instance shutdown). */
  disposeAll(): void {
    for (const s of this.sockets) s.dispose();
    this.sockets.clear();
    this.global = undefined;
  }
}

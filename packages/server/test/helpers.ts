import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type Token04Payload, generateToken04, makeRoomPayload } from '@minirtc/protocol/crypto';
import { WebSocket } from 'ws';
import { MemoryAppStore } from '../src/app-store.js';
import { MiniRtcServer, type ServerOptions } from '../src/server.js';

export const APP_ID = 1234567;
export const SECRET = 'fa94dd0f974cf2e293728a526b028271';
export const OTHER_APP_ID = 7654321;
export const OTHER_SECRET = '0123456789abcdef0123456789abcdef';

/** Longest a test waits for a message that must come: failing slowly beats hanging. */
const WAIT_MS = 5000;

/** Any server message, loosely typed for assertions. */
// biome-ignore lint/suspicious/noExplicitAny: test messages are inspected field by field
export type Msg = { type: string } & Record<string, any>;

/** A real `ws` client with an inbox, so no message is missed between a send and the wait for it. */
export class Client {
  readonly inbox: Msg[] = [];
  readonly ws: WebSocket;
  #waiters: { pred: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  #reqId = 0;
  closeCode: number | null = null;
  readonly #closed: Promise<number>;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as Msg;
      const i = this.#waiters.findIndex((w) => w.pred(m));
      if (i >= 0) {
        const [w] = this.#waiters.splice(i, 1);
        w?.resolve(m);
      } else this.inbox.push(m);
    });
    this.ws.on('error', () => {});
    this.#closed = new Promise((resolve) =>
      this.ws.on('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
  }

  /** The close code, once the socket closes (fails the test after a bounded wait). */
  get closed(): Promise<number> {
    return Promise.race([
      this.#closed,
      new Promise<number>((_, reject) =>
        setTimeout(() => reject(new Error('timed out waiting for the socket to close')), WAIT_MS).unref(),
      ),
    ]);
  }

  static async open(url: string): Promise<Client> {
    const c = new Client(url);
    await c.next((m) => m.type === 'hello');
    return c;
  }

  /** The first message matching `pred`, already received or still to come. */
  next(pred: (m: Msg) => boolean, what = 'message'): Promise<Msg> {
    const i = this.inbox.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0] as Msg);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      this.#waiters.push(w);
      setTimeout(() => {
        const k = this.#waiters.indexOf(w);
        if (k >= 0) {
          this.#waiters.splice(k, 1);
          reject(
            new Error(`timed out waiting for ${what}; inbox: ${JSON.stringify(this.inbox).slice(0, 800)}`),
          );
        }
      }, WAIT_MS).unref();
    });
  }

  /** The next push of a type (optionally matching more). */
  push(type: string, pred: (m: Msg) => boolean = () => true): Promise<Msg> {
    return this.next((m) => m.type === type && pred(m), type);
  }

  send(obj: unknown): void {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  /** Sends a request and waits for its `res`. */
  async req(type: string, fields: Record<string, unknown> = {}): Promise<Msg> {
    const reqId = ++this.#reqId;
    this.send({ type, reqId, ...fields });
    return this.next((m) => m.type === 'res' && m.reqId === reqId, `res to ${type}`);
  }

  /** Pushes received so far (and not consumed) of a type. */
  pending(type: string): Msg[] {
    return this.inbox.filter((m) => m.type === type);
  }

  /** Closes the socket (normal close: for the server, a drop without logout). */
  close(): void {
    this.ws.close();
  }
}

/** Makes a token04 for the test app. */
export function token(
  userID: string,
  opts: {
    roomID?: string;
    canPublish?: boolean;
    streams?: string[] | null;
    ttl?: number;
    appID?: number;
    secret?: string;
    payload?: string | Token04Payload;
    /** Issue time, Unix seconds (an old one makes an expired token). */
    now?: number;
  } = {},
): string {
  return generateToken04({
    appID: opts.appID ?? APP_ID,
    userID,
    secret: opts.secret ?? SECRET,
    ttlSeconds: opts.ttl ?? 3600,
    ...(opts.now !== undefined ? { now: opts.now } : {}),
    payload:
      opts.payload ??
      (opts.roomID === undefined
        ? ''
        : makeRoomPayload(opts.roomID, opts.canPublish ?? true, opts.streams ?? null)),
  });
}

/** A server on 127.0.0.1:0 with the test apps. */
export async function startServer(opts: Partial<ServerOptions> = {}): Promise<MiniRtcServer> {
  const apps = new MemoryAppStore([
    { appID: APP_ID, serverSecret: SECRET },
    { appID: OTHER_APP_ID, serverSecret: OTHER_SECRET },
  ]);
  const server = new MiniRtcServer({ port: 0, apps, ...opts });
  await server.listen();
  return server;
}

/** Opens a client and logs it in; returns the client and the login reply data. */
export async function loginClient(
  server: MiniRtcServer,
  userID: string,
  roomID: string,
  extra: { userUpdate?: boolean; token?: string; userName?: string; maxMemberCount?: number } = {},
): Promise<{ c: Client; data: Msg }> {
  const c = await Client.open(server.wsUrl);
  const res = await c.req('login', {
    appID: APP_ID,
    roomID,
    token: extra.token ?? token(userID, { roomID }),
    user: { userID, userName: extra.userName ?? `name-${userID}` },
    config: { userUpdate: extra.userUpdate ?? true, maxMemberCount: extra.maxMemberCount },
  });
  assert.equal(res.code, 0, `login of ${userID} failed: ${JSON.stringify(res)}`);
  return { c, data: res.data };
}

/** Waits for an emitter event (failing after a bounded wait). */
export async function event<T = unknown>(emitter: NodeJS.EventEmitter, name: string): Promise<T> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error(`timed out waiting for event ${name}`)), WAIT_MS);
  timer.unref();
  try {
    const [v] = await once(emitter, name, { signal: ac.signal });
    return v as T;
  } finally {
    clearTimeout(timer);
  }
}

import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiSignature } from '../src/api/auth.js';
import { MiniRtcServer, type ServerOptions } from '../src/server.js';
import { type TestPostgres, startPostgres } from '@minirtc/testkit';
import { silentLogger } from '../src/logger.js';
import { type Db, openDatabase } from '../src/store/database.js';
import { PgStores } from '../src/store/pg-stores.js';
import { type CachedAppStore, SqliteAppStore } from '../src/store/sqlite-app-store.js';
import { APP_ID, OTHER_APP_ID, OTHER_SECRET, SECRET } from './helpers.js';

export const ADMIN_KEY = 'test-admin-key-0123456789';
const WAIT_MS = 5000;

/** Where a suite's durable stores live: run a suite on both with `for (const backend of BACKENDS)`. */
export type Backend = 'sqlite' | 'pg';
/** Both backends. */
export const BACKENDS: Backend[] = ['sqlite', 'pg'];

let testPg: Promise<TestPostgres> | null = null;
let testDbs = 0;

/** Stops the PostgreSQL a `pg` suite started (call from a top-level `after`); no-op otherwise. */
export async function stopTestPostgres(): Promise<void> {
  const p = testPg;
  testPg = null;
  await (await p)?.stop();
}

/** A fresh database in this process's throwaway PostgreSQL (started on first use). */
async function freshPostgres(): Promise<string> {
  testPg ??= startPostgres();
  return (await testPg).createDatabase(`ops_${process.pid}_${++testDbs}`);
}

/** A server started by {@link startOpsServer}. */
export interface OpsServer {
  server: MiniRtcServer;
  apps: CachedAppStore;
  db: Db;
  pg?: PgStores;
}

/**
 * A server with the operations layer and the test apps: durable stores on a SQLite DB (`:memory:`
 * unless a path is given), or with `backend: 'pg'` on a fresh PostgreSQL database.
 */
export async function startOpsServer(
  opts: Partial<ServerOptions> & { dbPath?: string; callbackUrl?: string; backend?: Backend } = {},
): Promise<OpsServer> {
  const db = openDatabase(opts.dbPath ?? ':memory:');
  const pg = opts.backend === 'pg' ? await PgStores.open(await freshPostgres(), silentLogger) : undefined;
  const apps: CachedAppStore = pg?.apps ?? new SqliteAppStore(db);
  apps.ensure({ appID: APP_ID, serverSecret: SECRET, name: 'test' });
  apps.ensure({ appID: OTHER_APP_ID, serverSecret: OTHER_SECRET, name: 'other' });
  if (opts.callbackUrl !== undefined) apps.update(APP_ID, { callbackUrl: opts.callbackUrl });
  // Test receivers listen on loopback: allow private webhook destinations (the default refuses them).
  const server = new MiniRtcServer({
    port: 0,
    apps,
    db,
    ...(pg ? { postgres: pg } : {}),
    adminKey: ADMIN_KEY,
    ...opts,
    security: { webhookAllowPrivate: true, ...opts.security },
  });
  await server.listen();
  return { server, apps, db, ...(pg ? { pg } : {}) };
}

/** Stops a server started by {@link startOpsServer} and closes its databases. */
export async function stopOpsServer(s: { server: MiniRtcServer; db: Db; pg?: PgStores }): Promise<void> {
  await s.server.close();
  await s.pg?.close();
  s.db.close();
}

/** The public parameters of a signed request (ZEGO's scheme). */
export function signParams(
  appID = APP_ID,
  secret = SECRET,
  o: { timestamp?: number; nonce?: string } = {},
): URLSearchParams {
  const nonce = o.nonce ?? randomBytes(8).toString('hex');
  const ts = o.timestamp ?? Math.floor(Date.now() / 1000);
  return new URLSearchParams({
    AppId: String(appID),
    SignatureNonce: nonce,
    Timestamp: String(ts),
    Signature: apiSignature(appID, nonce, secret, ts),
    SignatureVersion: '2.0',
  });
}

/** JSON answer of an API call. */
// biome-ignore lint/suspicious/noExplicitAny: test answers are inspected field by field
export type Json = Record<string, any>;

/** Calls the REST API as the operator (admin key). */
export async function admin(
  server: MiniRtcServer,
  method: string,
  path: string,
  body?: unknown,
  key = ADMIN_KEY,
): Promise<{ status: number; body: Json }> {
  const r = await fetch(`${server.httpUrl}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, body: (await r.json()) as Json };
}

/** Calls the REST API signed as an app. */
export async function signed(
  server: MiniRtcServer,
  method: string,
  path: string,
  body?: unknown,
  params: URLSearchParams = signParams(),
): Promise<{ status: number; body: Json }> {
  const r = await fetch(`${server.httpUrl}/api/v1${path}${path.includes('?') ? '&' : '?'}${params}`, {
    method,
    ...(body !== undefined
      ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
      : {}),
  });
  return { status: r.status, body: (await r.json()) as Json };
}

/** Calls the ZEGO-form API (`/?Action=`) signed as an app. */
export async function action(
  server: MiniRtcServer,
  name: string,
  extra: Record<string, string | string[]> = {},
  params: URLSearchParams = signParams(),
): Promise<Json> {
  params.set('Action', name);
  for (const [k, v] of Object.entries(extra)) {
    if (Array.isArray(v)) for (const x of v) params.append(`${k}[]`, x);
    else params.set(k, v);
  }
  const r = await fetch(`${server.httpUrl}/?${params}`);
  if (r.status !== 200) throw new Error(`Action ${name}: HTTP ${r.status}`);
  return (await r.json()) as Json;
}

/** One request a {@link Receiver} got. */
export interface Received {
  at: number;
  status: number;
  body: Json;
}

/**
 * A webhook receiver that can be down (port closed: connection refused), failing (500) or up (200),
 * and lets a test wait for the request that matters instead of sleeping.
 */
export class Receiver {
  readonly got: Received[] = [];
  mode: 'ok' | 'fail' = 'ok';
  /** Per-request override of {@link mode}: the HTTP status to answer. */
  decide: ((body: Json) => number) | null = null;
  #server: Server | null = null;
  #port = 0;
  #waiters: { pred: (r: Received[]) => boolean; resolve: () => void }[] = [];

  get url(): string {
    return `http://127.0.0.1:${this.#port}/hook`;
  }

  /** Listens (on the same port as before, after the first time). */
  async up(): Promise<void> {
    const s = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
        const status = this.decide ? this.decide(body) : this.mode === 'ok' ? 200 : 500;
        this.got.push({ at: Date.now(), status, body });
        res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' });
        res.end(status === 200 ? 'ok' : 'fail');
        this.#check();
      });
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (s.address() as AddressInfo).port;
    this.#server = s;
  }

  /** Stops listening: deliveries get ECONNREFUSED. */
  async down(): Promise<void> {
    const s = this.#server;
    this.#server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Requests answered 200. */
  delivered(): Json[] {
    return this.got.filter((r) => r.status === 200).map((r) => r.body);
  }

  /** Resolves once `pred(got)` holds (fails after a bounded wait). */
  until(pred: (got: Received[]) => boolean, what = 'webhooks'): Promise<void> {
    if (pred(this.got)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      this.#waiters.push(w);
      setTimeout(() => {
        const i = this.#waiters.indexOf(w);
        if (i >= 0) {
          this.#waiters.splice(i, 1);
          reject(
            new Error(
              `timed out waiting for ${what}; got ${JSON.stringify(this.got.map((r) => [r.status, r.body.event, r.body.room_id])).slice(0, 1500)}`,
            ),
          );
        }
      }, WAIT_MS).unref();
    });
  }

  #check(): void {
    for (const w of [...this.#waiters]) {
      if (w.pred(this.got)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }
}

/**
 * Two `minirtc start` processes sharing one PostgreSQL (`--db.url`), each with its own data dir (its
 * own SQLite file for node-local state): an app created through node 1's REST API is served by node 2,
 * a login on node 2 sends its webhooks, and node 1's REST API shows node 2's outbox events and
 * timeline. Real PostgreSQL (testkit, temp dir, unix socket), real processes, loopback only.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateToken04 } from '@minirtc/protocol/crypto';
import { ZegoExpressEngine } from '@minirtc/sdk';
import { type TestPostgres, startPostgres } from '@minirtc/testkit';
import { type MinirtcProc, startMinirtc } from './helpers/cluster-procs.js';

const ADMIN = 'pg-nodes-admin-key-0123456789';

// biome-ignore lint/suspicious/noExplicitAny: REST answers are inspected field by field
type Json = Record<string, any>;

async function api(port: number, method: string, path: string, body?: unknown): Promise<Json> {
  const r = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await r.json()) as Json;
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

describe('two nodes on one PostgreSQL (minirtc start --db.url)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-pg-nodes-'));
  let pg: TestPostgres;
  const procs: MinirtcProc[] = [];
  const hooks: Json[] = [];
  let onHook: (() => void) | null = null;
  const rx = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hooks.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json);
      res.end('ok');
      onHook?.();
    });
  });
  const hook = (pred: (h: Json) => boolean, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no webhook ${what}`)), 20_000);
      onHook = () => {
        if (!hooks.some(pred)) return;
        clearTimeout(t);
        onHook = null;
        resolve();
      };
      onHook();
    });

  const node = async (name: string, url: string): Promise<{ p: MinirtcProc; port: number }> => {
    const { p, matches } = await startMinirtc(
      [
        'start',
        ...['--port', '0', '--dataDir', join(dir, name), '--logLevel', 'warn', '--db.url', url],
        ...['--api.adminKey', ADMIN, '--rtmp.enabled', 'false', '--recording.enabled', 'false'],
        ...['--devApp', 'false', '--security.webhookAllowPrivate', 'true', '--webhooks.retryBaseMs', '20'],
      ],
      [/signaling\s+ws:\/\/127\.0\.0\.1:(\d+)\/ws/],
    );
    procs.push(p);
    return { p, port: Number(matches[0]?.[1]) };
  };

  before(async () => {
    pg = await startPostgres();
    await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    for (const p of procs) await p.kill('SIGKILL');
    rx.closeAllConnections();
    rx.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an app made on node 1 serves logins on node 2; node 1 shows node 2’s webhooks and timeline', async () => {
    const url = pg.createDatabase('pg_nodes');
    const n1 = await node('n1', url);
    const created = await api(n1.port, 'POST', '/apps', {
      name: 'shared',
      callbackUrl: `http://127.0.0.1:${(rx.address() as AddressInfo).port}/hook`,
    });
    const appID = Number(created.appID);
    const secret = String(created.serverSecret);
    assert.ok(appID > 0 && secret.length === 32);

    // Node 2 starts after the app exists: it loads it from PostgreSQL (its own SQLite file is empty).
    const n2 = await node('n2', url);
    const listed = await api(n2.port, 'GET', '/apps');
    assert.ok(
      (listed.apps as Json[]).some((a) => a.appID === appID),
      'node 2 lists the app node 1 created',
    );

    const zg = new ZegoExpressEngine(appID, `ws://127.0.0.1:${n2.port}/ws`);
    const token = generateToken04({ appID, userID: 'pg-user', secret, ttlSeconds: 3600 });
    assert.equal(await zg.loginRoom('pg-room', token, { userID: 'pg-user', userName: 'u' }), true);
    await hook((h) => h.event === 'room_login' && h.user_account === 'pg-user', 'room_login');
    await zg.logoutRoom('pg-room');
    await hook((h) => h.event === 'room_close' && h.room_id === 'pg-room', 'room_close');
    zg.destroyEngine();

    // A clean stop of node 2 commits what it queued (timeline); node 1 reads the shared database.
    await n2.p.kill('SIGTERM');
    const events = (await api(n1.port, 'GET', `/apps/${appID}/webhooks/events`)).events as Json[];
    assert.deepEqual(
      events.filter((e) => e.payload?.room_id === 'pg-room').map((e) => e.event),
      ['room_create', 'room_login', 'room_logout', 'room_close'],
      'node 2’s events, in order, in the shared outbox',
    );
    assert.ok(
      events.every((e) => e.deliveredAt !== null),
      'all delivered',
    );
    const timeline = (await api(n1.port, 'GET', `/apps/${appID}/timeline?roomID=pg-room`)).events as Json[];
    assert.ok(
      timeline.some((e) => e.type === 'login' && e.userID === 'pg-user'),
      'node 2’s login on the shared timeline',
    );
  });
});

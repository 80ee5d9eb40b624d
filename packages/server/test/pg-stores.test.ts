import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestPostgres, startPostgres } from '@minirtc/testkit';
import { silentLogger } from '../src/logger.js';
import { startNode } from '../src/media-link/node.js';
import { MiniRtcServer } from '../src/server.js';
import { openDatabase } from '../src/store/database.js';
import { migrationsFor } from '../src/store/migrations.js';
import { migrate, openPostgres } from '../src/store/pg-database.js';
import { PgStores } from '../src/store/pg-stores.js';
import { APP_ID, SECRET, loginClient } from './helpers.js';
import { ADMIN_KEY, type Json, Receiver, admin, signParams, signed } from './ops-helpers.js';
import { ErrorCode } from '@minirtc/protocol';

/** Resolves when `pred` holds after one of `emitter`'s `event`s (bounded). */
function until(
  check: () => boolean,
  emitter: NodeJS.EventEmitter,
  event: string,
  ms = 10_000,
): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`timed out waiting after ${event}`));
    }, ms);
    const on = (): void => {
      if (!check()) return;
      clearTimeout(t);
      emitter.off(event, on);
      resolve();
    };
    emitter.on(event, on);
  });
}

describe('durable stores on PostgreSQL', () => {
  let pg: TestPostgres;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg?.stop());

  it('one migration definition: SQLite as written, PostgreSQL derived; concurrent migrations apply once', async () => {
    const sqlite = migrationsFor('sqlite');
    const pgm = migrationsFor('pg');
    assert.equal(sqlite.length, pgm.length);
    assert.equal(openDatabase(':memory:').pragma('user_version', { simple: true }), sqlite.length);
    assert.ok(
      pgm.every((m) => !/\bINTEGER\b|AUTOINCREMENT/.test(m)),
      'no SQLite-only types left',
    );
    const url = pg.createDatabase('migrate_twice');
    const [a, b] = await Promise.all([openPostgres(url, { max: 2 }), openPostgres(url, { max: 2 })]);
    try {
      assert.equal(await migrate(a), 0, 'nothing left to apply');
      const v = await a.query<{ version: number }>('SELECT version FROM minirtc_schema');
      assert.deepEqual(v.rows, [{ version: pgm.length }], 'one version row');
      const t = await b.query<{ n: number }>(
        `SELECT COUNT(*)::int AS n FROM information_schema.tables WHERE table_name IN
         ('apps','webhook_events','webhook_deliveries','timeline','sdk_logs','api_nonces','open_presence')`,
      );
      assert.equal(t.rows[0]?.n, 7);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it('apps: a change on one node reaches the other (NOTIFY); a restart loads them', async () => {
    const url = pg.createDatabase('apps_two_nodes');
    const n1 = await PgStores.open(url, silentLogger);
    const n2 = await PgStores.open(url, silentLogger);
    try {
      const created = n1.apps.create({ name: 'shared', callbackUrl: 'https://example.com/hook' });
      // n2 reloads the row when the insert's NOTIFY arrives.
      await until(() => n2.apps.get(created.appID) !== undefined, n2.apps.changes, 'reloaded');
      assert.deepEqual(n2.apps.get(created.appID), created);
      const rotated = n2.apps.rotate(created.appID, 'server');
      n2.apps.update(created.appID, { maxRoomMembers: 9, refuseCbcTokens: true });
      await until(() => n1.apps.get(created.appID)?.maxRoomMembers === 9, n1.apps.changes, 'reloaded');
      assert.equal(n1.apps.get(created.appID)?.serverSecret, rotated.serverSecret);
      assert.equal(n1.apps.get(created.appID)?.refuseCbcTokens, true);
      n1.apps.remove(created.appID);
      await until(() => n2.apps.get(created.appID) === undefined, n2.apps.changes, 'reloaded');
      n1.apps.upsert({ appID: APP_ID, serverSecret: SECRET, name: 'dev' });
      await n1.flush();
      const n3 = await PgStores.open(url, silentLogger);
      assert.equal(n3.apps.get(APP_ID)?.serverSecret, SECRET, 'loaded at start');
      await n3.close();
    } finally {
      await n1.close();
      await n2.close();
    }
  });

  it('startNode with dbUrl: apps from PostgreSQL, the SQLite file for node-local state only', async () => {
    const url = pg.createDatabase('node_on_pg');
    const node = await startNode({
      server: { port: 0, host: '127.0.0.1' },
      dbFile: ':memory:',
      dbUrl: url,
      publicHost: '127.0.0.1',
      rtmpPort: 1935,
      apps: [{ appID: APP_ID, serverSecret: SECRET }],
    });
    try {
      const { c } = await loginClient(node.server, 'node-u', 'node-room');
      c.close();
      const local = node.db.prepare('SELECT COUNT(*) AS n FROM apps').get() as { n: number };
      assert.equal(local.n, 0, 'no app in the node-local SQLite file');
    } finally {
      await node.close();
    }
    const check = await openPostgres(url, { max: 1 });
    try {
      const r = await check.query<{ server_secret: string }>(
        'SELECT server_secret FROM apps WHERE app_id = $1',
        [APP_ID],
      );
      assert.equal(r.rows[0]?.server_secret, SECRET, 'the app is in PostgreSQL');
    } finally {
      await check.end();
    }
  });

  it('nonces of signed API requests are shared: a request replayed to another node is refused', async () => {
    const url = pg.createDatabase('nonces_two_nodes');
    const nodes = await Promise.all(
      [1, 2].map(async () => {
        const stores = await PgStores.open(url, silentLogger);
        stores.apps.upsert({ appID: APP_ID, serverSecret: SECRET, name: 'test' });
        await stores.flush();
        const server = new MiniRtcServer({ port: 0, apps: stores.apps, db: ':memory:', postgres: stores });
        await server.listen();
        return { server, stores };
      }),
    );
    try {
      const p = signParams(APP_ID, SECRET, { nonce: 'shared-nonce-0001' });
      const first = await signed(
        nodes[0]!.server,
        'GET',
        `/apps/${APP_ID}`,
        undefined,
        new URLSearchParams(p),
      );
      assert.equal(first.status, 200);
      const replay = await signed(
        nodes[1]!.server,
        'GET',
        `/apps/${APP_ID}`,
        undefined,
        new URLSearchParams(p),
      );
      assert.equal(replay.status, 401);
      assert.equal(replay.body.code, ErrorCode.API_NONCE_REPLAYED, 'refused on the other node');
    } finally {
      for (const n of nodes) {
        await n.server.close();
        await n.stores.close();
      }
    }
  });

  it('a server on PostgreSQL: webhooks delivered and logged, timeline and SDK logs stored', async () => {
    const url = pg.createDatabase('server_on_pg');
    const stores = await PgStores.open(url, silentLogger);
    const rx = new Receiver();
    await rx.up();
    stores.apps.upsert({ appID: APP_ID, serverSecret: SECRET, name: 'test' });
    stores.apps.update(APP_ID, { callbackUrl: rx.url });
    const server = new MiniRtcServer({
      port: 0,
      apps: stores.apps,
      db: ':memory:',
      postgres: stores,
      adminKey: ADMIN_KEY,
      security: { webhookAllowPrivate: true },
      webhooks: { retryBaseMs: 5 },
    });
    await server.listen();
    try {
      const { c } = await loginClient(server, 'pg-u1', 'pg-room');
      await rx.until((got) => got.some((r) => r.body.event === 'room_login'), 'room_login');
      assert.equal((await c.req('logout', { roomID: 'pg-room' })).code, 0);
      c.close();
      await rx.until((got) => got.some((r) => r.body.event === 'room_close'), 'room_close');
      const events = rx.got.map((r) => r.body.event);
      assert.ok(events.indexOf('room_create') < events.indexOf('room_login'), 'in order');
      assert.ok(events.indexOf('room_logout') < events.indexOf('room_close'), 'in order');

      const ev = (await admin(server, 'GET', `/apps/${APP_ID}/webhooks/events`)).body.events as Json[];
      assert.deepEqual(
        ev.map((e) => e.event),
        events,
        'the outbox holds what was sent, in order',
      );
      // room_login's attempt was committed (delivery log row included) before room_close was sent.
      const dl = (await admin(server, 'GET', `/apps/${APP_ID}/webhooks/deliveries`)).body
        .deliveries as Json[];
      assert.ok(dl.some((d) => d.event === 'room_login' && d.status === 'ok' && d.roomID === 'pg-room'));

      const tl = (await admin(server, 'GET', `/apps/${APP_ID}/timeline?roomID=pg-room`)).body
        .events as Json[];
      assert.ok(
        tl.some((e) => e.type === 'login' && e.userID === 'pg-u1'),
        'login on the timeline',
      );
      assert.ok(
        tl.some((e) => e.type === 'webhook'),
        'webhook attempts on the timeline',
      );

      const replay = await admin(server, 'POST', `/apps/${APP_ID}/webhooks/replay`, {
        eventIds: [ev[0]?.id],
      });
      assert.deepEqual(replay.body.replayed, [ev[0]?.id]);
      await rx.until((got) => got.filter((r) => r.body.id === ev[0]?.id).length === 2, 'the replay');

      server.operations.logStore.add([
        { appID: APP_ID, level: 'error', time: Date.now(), receivedAt: Date.now(), message: 'pg log 50%_x' },
      ]);
      const logs = await server.searchLogs({ appID: APP_ID, contains: '50%_' });
      assert.deepEqual(
        logs.map((l) => l.message),
        ['pg log 50%_x'],
      );
      assert.equal((await server.searchLogs({ appID: APP_ID, contains: '%' })).length, 1, 'literal match');
    } finally {
      await server.close();
      await stores.close();
      await rx.down();
    }
    const again = await PgStores.open(url, silentLogger);
    try {
      const n = await again.pool.query<{ n: number }>(
        'SELECT COUNT(*)::int AS n FROM webhook_events WHERE delivered_at IS NULL AND dead = 0',
      );
      assert.equal(n.rows[0]?.n, 0, 'nothing left pending after a clean stop');
    } finally {
      await again.close();
    }
  });
});

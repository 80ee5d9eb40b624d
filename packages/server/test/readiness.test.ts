import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestPostgres, type TestRedis, startPostgres, startRedis } from '@minirtc/testkit';
import { localNodeLocator } from '../src/api/node-locator.js';
import { RemoteSession, Session } from '../src/core/model.js';
import type { StreamReservation } from '../src/core/stream-registry.js';
import { Readiness } from '../src/http/readiness.js';
import type { Logger } from '../src/logger.js';
import { bindLogger } from '../src/logger.js';
import { type MiniRtcNode, startNode } from '../src/media-link/node.js';
import { APP_ID, SECRET, loginClient } from './helpers.js';
import { ADMIN_KEY, type Json, admin } from './ops-helpers.js';

const NODE = 'ops-node-7';

/** A logger keeping every record, to look for the node field. */
function captureLogger(): Logger & { records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const keep = (o: Record<string, unknown>, msg: string) => records.push({ ...o, msg });
  return { records, debug: keep, info: keep, warn: keep, error: keep };
}

async function getJson(url: string): Promise<{ status: number; body: Json; text: string }> {
  const r = await fetch(url);
  const text = await r.text();
  return { status: r.status, body: JSON.parse(text) as Json, text };
}

describe('readiness registry', () => {
  it('is ready with no checks, names failing and timed-out checks, runs them in parallel', async () => {
    const seen: string[] = [];
    const r = new Readiness((name) => seen.push(name));
    assert.deepEqual(await r.run(), { ready: true, checks: [], failed: [] });
    r.add('fine', async () => {});
    r.add('broken', async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.5:6379 password=hunter2');
    });
    r.add('stuck', () => new Promise<void>(() => {}), 50);
    const rep = await r.run();
    assert.equal(rep.ready, false);
    assert.deepEqual(rep.failed, ['broken', 'stuck']);
    assert.deepEqual(
      rep.checks.map((c) => [c.name, c.ok, c.error]),
      [
        ['fine', true, undefined],
        ['broken', false, 'unreachable'],
        ['stuck', false, 'timeout'],
      ],
    );
    assert.ok(!JSON.stringify(rep).includes('hunter2'), 'no error text in the report');
    assert.deepEqual(seen, ['broken', 'stuck'], 'failures reach the log hook');
  });

  it('requests while a run is in flight share it (a flood of /readyz is one probe at a time)', async () => {
    const r = new Readiness();
    let probes = 0;
    let started = (): void => {};
    let release = (): void => {};
    r.add('db', () => {
      probes += 1;
      started();
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const many = Array.from({ length: 20 }, () => r.run());
    await running;
    release();
    const reports = await Promise.all(many);
    assert.equal(probes, 1);
    assert.ok(reports.every((x) => x.ready));
    // Once it is over, the next request probes again (no stale answer).
    const again = new Promise<void>((resolve) => {
      started = resolve;
    });
    const next = r.run();
    await again;
    release();
    assert.equal((await next).ready, true);
    assert.equal(probes, 2);
  });

  it('replaces a check under the same name; the remover only removes its own', async () => {
    const r = new Readiness();
    const removeOld = r.add('db', async () => {
      throw new Error('old');
    });
    r.add('db', async () => {});
    removeOld();
    assert.deepEqual(r.names, ['db']);
    assert.equal((await r.run()).ready, true);
  });

  it('locates local sessions on this node, a cluster replica member on its own node', () => {
    const nodes = localNodeLocator('here');
    const local = new Session(APP_ID, 'u1', 'u1', 10);
    const remote = new RemoteSession(APP_ID, 'u2', 'u2', 'sid-2', 'there');
    const r = {} as StreamReservation;
    assert.deepEqual(
      [nodes.session(local), nodes.session(remote), nodes.stream(r, remote), nodes.stream(r, undefined)],
      ['here', 'there', 'there', 'here'],
    );
    assert.equal(nodes.mediaNode(APP_ID, 's'), null, 'no media placement: no media node');
    const placed = localNodeLocator('here', {
      placePush: () => undefined,
      locate: () => undefined,
      nodeOf: (_appID, streamID) => (streamID === 's' ? 'media-2' : undefined),
    });
    assert.deepEqual([placed.mediaNode(APP_ID, 's'), placed.mediaNode(APP_ID, 'other')], ['media-2', null]);
  });

  it('binds fields into a plain logger without repeating them', () => {
    const log = captureLogger();
    const bound = bindLogger(log, { node: 'n1' });
    bound.info({ a: 1 }, 'x');
    assert.deepEqual(log.records, [{ node: 'n1', a: 1, msg: 'x' }]);
  });
});

describe('/readyz, node identity (real redis-server)', () => {
  let redis: TestRedis;
  let node: MiniRtcNode;
  const log = captureLogger();
  before(async () => {
    redis = await startRedis();
    node = await startNode({
      dbFile: ':memory:',
      publicHost: '127.0.0.1',
      rtmpPort: 1935,
      apps: [{ appID: APP_ID, serverSecret: SECRET, name: 'test' }],
      logger: log,
      // A cluster node: its Redis link (the cluster's own client) is one of the readiness checks.
      server: {
        port: 0,
        adminKey: ADMIN_KEY,
        opsListener: { port: 0 },
        cluster: { redisUrl: redis.url, nodeId: NODE },
      },
    });
  });
  after(async () => {
    await node?.close();
    await redis?.stop(true);
  });

  it('is ready while redis and the database answer, on both listeners', async () => {
    // The first probe waits for the link's first connection if it is still being made.
    for (const base of [node.server.httpUrl, node.server.opsUrl]) {
      const r = await getJson(`${base}/readyz`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.ready, true);
      assert.deepEqual(r.body.checks.map((c: Json) => [c.name, c.ok]).sort(), [
        ['database', true],
        ['redis', true],
      ]);
      assert.equal(r.body.failed, undefined);
    }
  });

  it('carries the node id in log lines and as a label of every metric', async () => {
    assert.equal(node.server.nodeId, NODE);
    const listening = log.records.find((r) => r.msg === 'signaling server listening');
    assert.equal(listening?.node, NODE);
    const text = await (await fetch(`${node.server.httpUrl}/metrics`)).text();
    const series = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    assert.ok(series.length > 20, 'some series');
    const unlabeled = series.filter((l) => !l.includes(`node="${NODE}"`));
    assert.deepEqual(unlabeled, [], 'every series has the node label');
    assert.match(text, new RegExp(`^minirtc_sessions\\{node="${NODE}"\\} 0$`, 'm'));
  });

  it('lists the node holding each user and stream', async () => {
    const { c } = await loginClient(node.server, 'nu-a', 'node-room');
    try {
      assert.equal((await c.req('publish', { roomID: 'node-room', streamID: 'nu-s' })).code, 0);
      const room = await admin(node.server, 'GET', `/apps/${APP_ID}/rooms/node-room`);
      assert.equal(room.status, 200);
      assert.deepEqual(
        room.body.users.map((u: Json) => [u.userID, u.node]),
        [['nu-a', NODE]],
      );
      assert.deepEqual(
        room.body.streams.map((s: Json) => [s.streamID, s.node]),
        [['nu-s', NODE]],
      );
    } finally {
      c.close();
    }
  });

  it('answers 503 naming redis once redis-server is killed; /healthz stays 200', async () => {
    await redis.stop(true);
    for (const base of [node.server.httpUrl, node.server.opsUrl]) {
      const r = await getJson(`${base}/readyz`);
      assert.equal(r.status, 503, r.text);
      assert.equal(r.body.ready, false);
      assert.deepEqual(r.body.failed, ['redis']);
      const byName = Object.fromEntries(r.body.checks.map((c: Json) => [c.name, c]));
      assert.equal(byName.database.ok, true);
      assert.equal(byName.redis.ok, false);
      assert.ok(['timeout', 'unreachable'].includes(byName.redis.error));
      assert.ok(!r.text.includes(redis.socket), 'no connection string in the body');
      assert.ok(!r.text.includes('unix://'), 'no connection string in the body');
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
    }
  });
});

describe('/readyz with PostgreSQL (db.url; real postgres)', () => {
  let pg: TestPostgres;
  let node: MiniRtcNode;
  before(async () => {
    pg = await startPostgres();
    node = await startNode({
      dbFile: ':memory:',
      dbUrl: pg.createDatabase('readyz'),
      publicHost: '127.0.0.1',
      rtmpPort: 1935,
      server: { port: 0 },
    });
  });
  after(async () => {
    await node?.close();
    await pg?.stop(true);
  });

  it('is ready while PostgreSQL answers, 503 naming postgres once it is killed', async () => {
    const up = await getJson(`${node.server.httpUrl}/readyz`);
    assert.equal(up.status, 200, up.text);
    assert.deepEqual(up.body.checks.map((c: Json) => c.name).sort(), ['database', 'postgres']);
    await pg.stop(true);
    const down = await getJson(`${node.server.httpUrl}/readyz`);
    assert.equal(down.status, 503, down.text);
    assert.deepEqual(down.body.failed, ['postgres']);
    assert.ok(!down.text.includes('postgresql://'), 'no connection string in the body');
  });
});

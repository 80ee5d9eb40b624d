import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../src/logger.js';
import { openDatabase } from '../src/store/database.js';
import { SqliteAppStore } from '../src/store/sqlite-app-store.js';
import { type AttemptReport, WebhookDispatcher } from '../src/webhooks/dispatcher.js';
import { webhookReason } from '../src/webhooks/event-mapper.js';
import { Outbox } from '../src/webhooks/outbox.js';
import { Receiver } from './ops-helpers.js';

describe('webhook outbox and dispatcher', () => {
  const receiver = new Receiver();
  before(() => receiver.up());
  after(() => receiver.down());

  it('heads: one per room, the oldest undelivered; prune keeps pending events', () => {
    const db = openDatabase(':memory:');
    const o = new Outbox(db);
    const a1 = o.enqueue(1, '1/a', 'room_create', { room_id: 'a' });
    const a2 = o.enqueue(1, '1/a', 'room_login', { room_id: 'a' });
    const b1 = o.enqueue(1, '1/b', 'room_create', { room_id: 'b' });
    assert.deepEqual(
      o
        .heads()
        .map((e) => e.id)
        .sort(),
      [a1.id, b1.id].sort(),
    );
    o.recordAttempt(a1, { at: 1, url: 'u', status: 200, error: null, durationMs: 1 }, { delivered: true });
    assert.deepEqual(
      o
        .heads()
        .map((e) => e.id)
        .sort(),
      [a2.id, b1.id].sort(),
    );
    assert.equal(o.pendingCount(), 2);
    assert.equal(o.prune(Date.now() + 1), 1, 'only the delivered one goes');
    assert.equal(o.pendingCount(), 2);
    assert.equal(o.get(a1.id), undefined);
    assert.equal(o.deliveries(1).length, 0, 'old log rows go too');
    db.close();
  });

  it('backoff doubles up to the cap; after maxAttempts an event is dead (and no longer blocks); replay revives it', async () => {
    const db = openDatabase(':memory:');
    const apps = new SqliteAppStore(db);
    const app = apps.create({ name: 'x', callbackUrl: receiver.url });
    const o = new Outbox(db);
    const reports: AttemptReport[] = [];
    let onReport: (() => void) | null = null;
    const d = new WebhookDispatcher(
      o,
      apps,
      silentLogger,
      (r) => {
        reports.push(r);
        onReport?.();
      },
      { retryBaseMs: 5, retryMaxMs: 20, maxAttempts: 3, allowPrivateDestinations: true },
    );
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => d.backoff(n)),
      [5, 10, 20, 20, 20, 20],
    );
    receiver.decide = (b) => (b.event === 'room_create' ? 500 : 200);
    const until = (pred: () => boolean) =>
      new Promise<void>((resolve) => {
        onReport = () => {
          if (pred()) resolve();
        };
        onReport();
      });
    const head = o.enqueue(app.appID, `${app.appID}/r`, 'room_create', { room_id: 'r' });
    const next = o.enqueue(app.appID, `${app.appID}/r`, 'room_login', { room_id: 'r' });
    d.kick();
    await until(() => reports.some((r) => r.event.id === next.id && r.ok));
    const tries = reports.filter((r) => r.event.id === head.id);
    assert.deepEqual(
      tries.map((r) => [r.ok, r.final]),
      [
        [false, false],
        [false, false],
        [false, true],
      ],
    );
    assert.equal(o.get(head.id)?.dead, true);
    assert.equal(o.pendingCount(), 0);

    receiver.decide = null;
    assert.deepEqual(o.replay(app.appID, { eventIds: [head.id] }), [head.id]);
    d.notify();
    await until(() => reports.some((r) => r.event.id === head.id && r.ok));
    assert.equal(o.get(head.id)?.dead, false);
    assert.ok(o.get(head.id)?.deliveredAt);
    await d.close();
    db.close();
  });

  it('drains a backlog of 3000 events in 100 rooms, every room in order', async () => {
    const db = openDatabase(':memory:');
    const apps = new SqliteAppStore(db);
    const app = apps.create({ name: 'bulk', callbackUrl: receiver.url });
    const o = new Outbox(db);
    const N = 3000;
    for (let i = 0; i < N; i++)
      o.enqueue(app.appID, `${app.appID}/r${i % 100}`, 'room_login', { room_id: `r${i % 100}`, i });
    let done = 0;
    let onDone: (() => void) | null = null;
    const d = new WebhookDispatcher(
      o,
      apps,
      silentLogger,
      (r) => {
        if (r.ok) done += 1;
        if (done === N) onDone?.();
      },
      { concurrency: 16, allowPrivateDestinations: true },
    );
    const start = receiver.got.length;
    const t0 = performance.now();
    const all = new Promise<void>((resolve) => {
      onDone = resolve;
    });
    d.kick();
    await all;
    const ms = performance.now() - t0;
    const got = receiver.got.slice(start).map((r) => r.body as { room_id: string; i: number });
    assert.equal(got.length, N);
    for (let room = 0; room < 100; room++) {
      const seen = got.filter((b) => b.room_id === `r${room}`).map((b) => b.i);
      assert.deepEqual(
        seen,
        [...seen].sort((x, y) => x - y),
        `room r${room} in order`,
      );
      assert.equal(seen.length, N / 100);
    }
    assert.equal(o.pendingCount(), 0);
    console.log(`# drained ${N} webhooks in ${Math.round(ms)} ms (${Math.round((N / ms) * 1000)}/s)`);
    await d.close();
    db.close();
  });

  it('maps internal reasons to the webhook vocabulary', () => {
    assert.deepEqual(
      [
        'logout',
        'stopPublish',
        'unpublished',
        'normal',
        'grace',
        'timeout',
        'replaced',
        'kick',
        'expired',
        'closed',
        'shutdown',
      ].map(webhookReason),
      [
        'normal',
        'normal',
        'normal',
        'normal',
        'heartbeat_timeout',
        'heartbeat_timeout',
        'replaced',
        'kicked',
        'kicked',
        'closed',
        'closed',
      ],
    );
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase } from '../src/store/database.js';
import { TimelineStore } from '../src/timeline/timeline-store.js';

const rowsInDb = (db: ReturnType<typeof openDatabase>) =>
  (db.prepare('SELECT count(*) AS n FROM timeline').get() as { n: number }).n;

/** Resolves once `cond` holds, checking after each turn of the event loop (bounded). */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}

test('a recorded entry is read back at once, and written by its batch timer without a read', async () => {
  const db = openDatabase(':memory:');
  const store = new TimelineStore(db);
  store.record({ appID: 1, roomID: 'r', userID: 'u', type: 'login' });
  assert.equal(rowsInDb(db), 0, 'queued, not yet written');
  const rows = store.query({ appID: 1 });
  assert.deepEqual(
    rows.map((r) => [r.type, r.roomID, r.userID]),
    [['login', 'r', 'u']],
  );
  store.record({ appID: 1, roomID: 'r', userID: 'u', type: 'logout' });
  await until(() => rowsInDb(db) === 2);
  db.close();
});

test('a full batch is written at once, in order', () => {
  const db = openDatabase(':memory:');
  const store = new TimelineStore(db);
  for (let i = 0; i < 256; i++) store.record({ appID: 2, type: 'sample', detail: { i } });
  assert.equal(rowsInDb(db), 256);
  const seen = store.query({ appID: 2, limit: 5000 }).map((r) => r.detail?.i);
  assert.deepEqual(
    seen,
    Array.from({ length: 256 }, (_, i) => i),
  );
  db.close();
});

test('updateDetail finds an entry by the handle record returned, queued or written', () => {
  const db = openDatabase(':memory:');
  const store = new TimelineStore(db);
  const a = store.record({ appID: 3, type: 'login.failed', detail: { count: 1 } });
  store.updateDetail(a, { count: 2 }); // still queued when asked
  const b = store.record({ appID: 3, type: 'login.failed', detail: { count: 1 } });
  store.flush();
  store.updateDetail(b, { count: 5 });
  assert.deepEqual(
    store.query({ appID: 3 }).map((r) => r.detail?.count),
    [2, 5],
  );
  db.close();
});

test('a batch that fails on its timer is reported, not thrown', async () => {
  const db = openDatabase(':memory:');
  const errors: unknown[] = [];
  const store = new TimelineStore(db, undefined, (e) => errors.push(e));
  store.record({ appID: 4, type: 'login' });
  db.exec('DROP TABLE timeline');
  await until(() => errors.length === 1);
  db.close();
});

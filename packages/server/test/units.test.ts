import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryAppStore } from '../src/app-store.js';
import { KeyedLimiter, TokenBucket } from '../src/rate-limiter.js';
import { Session } from '../src/core/model.js';
import { setLongTimeout } from '../src/core/timers.js';
import { SECRET } from './helpers.js';

describe('TokenBucket', () => {
  it('allows the burst, then the sustained rate, on a fake clock', () => {
    let now = 0;
    const b = new TokenBucket(10, 10, () => now);
    for (let i = 0; i < 10; i++) assert.ok(b.take(), `burst ${i}`);
    assert.equal(b.take(), false);
    now += 100; // 0.1 s at 10/s = one token
    assert.ok(b.take());
    assert.equal(b.take(), false);
    now += 10_000; // refills to the burst, never beyond
    assert.equal(Math.round(b.available), 10);
    assert.ok(b.has(10));
    assert.equal(b.has(11), false);
  });

  it('keyed: separate budgets per key, all-or-nothing check', () => {
    let now = 0;
    const k = new KeyedLimiter(2, 2, () => now);
    assert.ok(k.take('a'));
    assert.ok(k.take('a'));
    assert.equal(k.take('a'), false);
    assert.ok(k.hasAll(['b', 'c']));
    assert.equal(k.hasAll(['a', 'b']), false);
    now += 1000;
    assert.ok(k.hasAll(['a', 'b']));
  });
});

describe('Session push buffer', () => {
  it('numbers pushes, replays after lastSeq, forgets acknowledged ones, and refuses gaps', () => {
    const sent: unknown[] = [];
    const s = new Session(1, 'u', 'u', 3);
    s.transport = { send: (m) => sent.push(m), close: () => {} };
    for (let i = 0; i < 2; i++) s.push({ type: 'onlineCount', roomID: 'r', count: i });
    assert.deepEqual(
      sent.map((m) => (m as { seq: number }).seq),
      [1, 2],
    );
    assert.deepEqual(
      s.missedSince(0)?.map((m) => m.seq),
      [1, 2],
    );
    s.ack(1);
    assert.equal(s.buffered, 1);
    assert.equal(s.missedSince(0), null, 'below an acknowledged seq');
    assert.deepEqual(
      s.missedSince(1)?.map((m) => m.seq),
      [2],
    );
    s.transport = null;
    for (let i = 0; i < 4; i++) s.push({ type: 'onlineCount', roomID: 'r', count: i });
    assert.equal(s.buffered, 3, 'bounded');
    assert.equal(s.missedSince(2), null, 'seq 3 was dropped for space');
    assert.deepEqual(
      s.missedSince(3)?.map((m) => m.seq),
      [4, 5, 6],
    );
    assert.equal(s.missedSince(7), null, 'from the future');
    assert.ok(s.checkResumeKey(s.resumeKey));
    assert.equal(s.checkResumeKey(`${s.resumeKey}x`), false);
  });
});

describe('setLongTimeout', () => {
  it('fires short delays and can be cancelled', async () => {
    // The timers are unref'd (they must not keep a server alive): hold the loop open meanwhile.
    const keep = setInterval(() => {}, 1000);
    const fired = await new Promise<boolean>((resolve) => {
      setLongTimeout(() => resolve(true), 5);
    });
    assert.ok(fired);
    let late = false;
    const t = setLongTimeout(() => {
      late = true;
    }, 1);
    t.cancel();
    await new Promise<void>((resolve) => setLongTimeout(resolve, 20));
    // Delays longer than one chunk re-arm until the whole delay has passed.
    const start = performance.now();
    await new Promise<void>((resolve) => setLongTimeout(resolve, 30, 7));
    assert.ok(performance.now() - start >= 29, 'not before the full delay');
    let chunked = false;
    const c = setLongTimeout(
      () => {
        chunked = true;
      },
      30,
      7,
    );
    await new Promise<void>((resolve) => setLongTimeout(resolve, 10));
    c.cancel();
    await new Promise<void>((resolve) => setLongTimeout(resolve, 40));
    assert.equal(chunked, false, 'cancel works after a re-arm too');
    clearInterval(keep);
    assert.equal(late, false);
  });
});

describe('MemoryAppStore', () => {
  it('rejects secrets that cannot key AES-256 and bad AppIDs', () => {
    const s = new MemoryAppStore([{ appID: 1, serverSecret: SECRET }]);
    assert.throws(() => s.add({ appID: 2, serverSecret: 'short' }));
    assert.throws(() => s.add({ appID: 0, serverSecret: SECRET }));
    assert.equal(s.get(1)?.appID, 1);
    assert.equal(s.remove(1), true);
    assert.equal(s.list().length, 0);
  });
});

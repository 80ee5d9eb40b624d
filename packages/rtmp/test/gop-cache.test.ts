import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockPool } from '../src/hub/block-pool.js';
import { GopCache } from '../src/hub/gop-cache.js';
import { HubMessage } from '../src/hub/hub-message.js';

/** A message whose payload is `n` bytes of `fill`. */
function msg(ts: number, n: number, fill: number, keyframe = false): HubMessage {
  return new HubMessage(9, ts, Buffer.alloc(n, fill), keyframe);
}

describe('GOP cache on pooled blocks', () => {
  it('holds copies: the publisher may reuse its buffers, and frames spanning blocks come back whole', () => {
    const pool = new BlockPool(1024, 0);
    const gop = new GopCache(100, 1 << 20, pool);
    const key = msg(0, 2500, 1, true);
    const p1 = msg(40, 700, 2);
    gop.push(key, true);
    gop.push(p1, false);
    key.payload.fill(9);
    p1.payload.fill(9);
    const snap = gop.snapshot();
    assert.deepEqual(
      snap.map((m) => [m.timestamp, m.keyframe, m.payload.length]),
      [
        [0, true, 2500],
        [40, false, 700],
      ],
    );
    assert.ok(snap[0]?.payload.equals(Buffer.alloc(2500, 1)));
    assert.ok(snap[1]?.payload.equals(Buffer.alloc(700, 2)));
    assert.equal(gop.byteSize, 3200);
    assert.equal(pool.bytesInUse, 4 * 1024, '3,200 bytes take four 1 KiB blocks');
  });

  it("a joiner's copies stay valid after the next keyframe refills the blocks; joiners share them", () => {
    const pool = new BlockPool(1024, 8);
    const gop = new GopCache(100, 1 << 20, pool);
    gop.push(msg(0, 1500, 1, true), true);
    const first = gop.snapshot();
    gop.push(msg(40, 300, 2), false);
    const second = gop.snapshot();
    assert.equal(second[0], first[0], 'the copy made for the first joiner is reused');
    assert.equal(second.length, 2);
    gop.push(msg(80, 1500, 7, true), true);
    gop.push(msg(120, 1500, 8), false);
    assert.ok(first[0]?.payload.equals(Buffer.alloc(1500, 1)), 'not overwritten by the refill');
    assert.ok(second[1]?.payload.equals(Buffer.alloc(300, 2)));
    assert.deepEqual(
      gop.snapshot().map((m) => m.timestamp),
      [80, 120],
    );
  });

  it('returns its blocks at every keyframe and on clear, so streams reuse them', () => {
    const pool = new BlockPool(1024, 16);
    const a = new GopCache(100, 1 << 20, pool);
    const b = new GopCache(100, 1 << 20, pool);
    a.push(msg(0, 4096, 1, true), true);
    assert.deepEqual([pool.bytesInUse, pool.bytesFree], [4096, 0]);
    a.push(msg(2000, 1024, 1, true), true);
    assert.deepEqual([pool.bytesInUse, pool.bytesFree], [1024, 3072]);
    b.push(msg(0, 3000, 3, true), true);
    assert.deepEqual([pool.bytesInUse, pool.bytesFree], [4096, 0], "b took a's freed blocks");
    a.clear();
    b.clear();
    assert.deepEqual([pool.bytesInUse, pool.bytesFree], [0, 4096]);
  });

  it('drops a GOP that outgrows its bounds until the next keyframe, and keeps nothing before the first', () => {
    const pool = new BlockPool(1024, 16);
    const gop = new GopCache(3, 5000, pool);
    gop.push(msg(0, 100, 1), false);
    assert.equal(gop.length, 0, 'no keyframe yet');
    gop.push(msg(40, 4000, 1, true), true);
    gop.push(msg(80, 1500, 1), false);
    assert.deepEqual([gop.length, gop.byteSize, pool.bytesInUse], [0, 0, 0], 'over 5,000 bytes: dropped');
    gop.push(msg(120, 100, 1), false);
    assert.equal(gop.length, 0, 'closed until the next keyframe');
    gop.push(msg(160, 10, 1, true), true);
    gop.push(msg(200, 10, 1), false);
    gop.push(msg(240, 10, 1), false);
    assert.equal(gop.length, 3);
    gop.push(msg(280, 10, 1), false);
    assert.equal(gop.length, 0, 'a fourth message: over 3 frames');
  });

  it('keeps every freed block for reuse; a trim lets go only of those unused for a whole period', () => {
    const pool = new BlockPool(1024, 2);
    const taken = Array.from({ length: 40 }, () => pool.take());
    pool.give(taken.slice(0, 30));
    assert.equal(
      pool.bytesFree,
      30 * 1024,
      'nothing let go at once (a dropped block is old-generation garbage)',
    );
    assert.equal(pool.bytesInUse, 10 * 1024);
    // During the first period 30 were free at some point and 0 at the lowest: nothing unused throughout.
    assert.equal(pool.trim(), 0);
    // This period the streams need 5 of the 30 back: 25 stayed free the whole time.
    const again = Array.from({ length: 5 }, () => pool.take());
    pool.give(again);
    assert.equal(pool.trim(), 25);
    assert.equal(pool.bytesFree, 5 * 1024);
    // Nothing taken in a whole period: down to the minimum.
    assert.equal(pool.trim(), 3);
    assert.equal(pool.bytesFree, 2 * 1024);
    assert.equal(pool.trim(), 0, 'never below the minimum');
    assert.ok(pool.take().length === 1024 && pool.bytesInUse === 11 * 1024);
  });

  it('is off with a zero bound', () => {
    const pool = new BlockPool(1024, 2);
    const gop = new GopCache(0, 1 << 20, pool);
    gop.push(msg(0, 100, 1, true), true);
    assert.deepEqual([gop.length, pool.bytesInUse], [0, 0]);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomId } from '../src/core/random-id.js';

test('randomId gives the asked number of bytes, never the same twice, across pool refills', () => {
  const seen = new Set<string>();
  // 24 bytes × 1000 = 24 KB: the 4 KB pool is refilled several times on the way.
  for (let i = 0; i < 1000; i++) {
    const id = randomId(24);
    assert.equal(Buffer.from(id, 'base64url').length, 24);
    assert.match(id, /^[A-Za-z0-9_-]{32}$/);
    assert.ok(!seen.has(id), `repeated id ${id}`);
    seen.add(id);
  }
  assert.equal(Buffer.from(randomId(12), 'base64url').length, 12);
});

test('randomId draws are not all-zero and use the whole byte range', () => {
  const counts = new Uint32Array(256);
  for (let i = 0; i < 2000; i++)
    for (const b of Buffer.from(randomId(16), 'base64url')) counts[b] = (counts[b] ?? 0) + 1;
  // 32,000 bytes over 256 values: each value expected 125 times; a stuck or zeroed pool would leave most at 0.
  assert.ok(
    counts.every((c) => c > 40),
    'some byte values never drawn',
  );
});

test('randomId refuses sizes it cannot serve', () => {
  for (const n of [0, -1, 1.5, 4097, Number.NaN]) assert.throws(() => randomId(n), RangeError);
});

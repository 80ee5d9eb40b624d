import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_BACKOFF, backoffDelay, serverForAttempt } from '../src/backoff.js';

test('first retry is immediate, then exponential up to the cap', () => {
  const noJitter = { ...DEFAULT_BACKOFF, jitter: 0 };
  const r = () => 0.5;
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(a, noJitter, r)),
    [0, 500, 1000, 2000, 4000, 8000, 8000, 8000],
  );
});

test('jitter keeps every delay within [(1 - jitter) * nominal, nominal] and never above maxMs', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 60 }),
      fc.integer({ min: 1, max: 5000 }),
      fc.integer({ min: 1, max: 60_000 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (attempt, baseMs, maxMs, jitter, rnd) => {
        const opts = { baseMs, maxMs, jitter };
        const nominal = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
        const d = backoffDelay(attempt, opts, () => rnd);
        return d <= maxMs && d <= Math.round(nominal) && d >= Math.floor(nominal * (1 - jitter)) - 1;
      },
    ),
  );
});

test('jitter really varies the delay (spreads a reconnect storm)', () => {
  const a = backoffDelay(3, DEFAULT_BACKOFF, () => 0);
  const b = backoffDelay(3, DEFAULT_BACKOFF, () => 0.999);
  assert.ok(b - a >= 500, `${a} vs ${b}`);
});

test('servers are tried round-robin, first one first', () => {
  const s = ['ws://a', 'ws://b', 'ws://c'];
  assert.deepEqual(
    [0, 1, 2, 3, 4].map((i) => serverForAttempt(s, i)),
    ['ws://a', 'ws://b', 'ws://c', 'ws://a', 'ws://b'],
  );
  assert.throws(() => serverForAttempt([], 0));
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { applySetData, parseSetDataPath, SimulatorError, SimulatorErrorCode } from '../src/index.js';

describe('parseSetDataPath', () => {
  it('splits dotted names and bracket indexes', () => {
    assert.deepEqual(parseSetDataPath('a'), ['a']);
    assert.deepEqual(parseSetDataPath('a.b[0].c'), ['a', 'b', 0, 'c']);
    assert.deepEqual(parseSetDataPath('list[2]'), ['list', 2]);
    assert.deepEqual(parseSetDataPath('m[1][2].x'), ['m', 1, 2, 'x']);
    // A number after a dot is a property name, not an index: only brackets make indexes.
    assert.deepEqual(parseSetDataPath('a.0'), ['a', '0']);
  });

  it('rejects malformed paths and prototype keys with INVALID_SET_DATA_PATH', () => {
    for (const bad of [
      '',
      'a.',
      '.a',
      'a..b',
      'a[',
      'a[x]',
      'a[-1]',
      'a[0]b',
      '__proto__.x',
      'a.constructor',
    ]) {
      assert.throws(
        () => parseSetDataPath(bad),
        (e: unknown) => e instanceof SimulatorError && e.code === SimulatorErrorCode.INVALID_SET_DATA_PATH,
        bad,
      );
    }
  });

  it('round-trips any path built from names and indexes (property)', () => {
    const name = fc
      .stringMatching(/^[A-Za-z_$][\w$]{0,8}$/)
      .filter((s) => !['constructor', 'prototype'].includes(s));
    const seg = fc.oneof(name, fc.nat({ max: 1000 }));
    fc.assert(
      fc.property(name, fc.array(seg, { maxLength: 6 }), (head, rest) => {
        const text = head + rest.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');
        assert.deepEqual(parseSetDataPath(text), [head, ...rest]);
      }),
    );
  });
});

describe('applySetData', () => {
  it('replaces top-level keys without deep-merging', () => {
    const data: Record<string, unknown> = { rtc: { a: 1, b: 2 }, keep: true };
    applySetData(data, { rtc: { a: 3 } });
    assert.deepEqual(data, { rtc: { a: 3 }, keep: true });
  });

  it('sets nested paths in place, keeping sibling values and references', () => {
    const list = [{ name: 'x', n: 1 }, { name: 'y' }];
    const data: Record<string, unknown> = { list, other: 1 };
    applySetData(data, { 'list[1].name': 'z', 'list[0].n': 5 });
    assert.equal(data['list'], list, 'the array is updated in place, not replaced');
    assert.deepEqual(list, [{ name: 'x', n: 5 }, { name: 'z' }]);
  });

  it('creates missing parents: arrays before an index, objects before a name', () => {
    const data: Record<string, unknown> = { a: 1 };
    applySetData(data, { 'x.y[1].z': 'v', 'a.b': 2 });
    const y = (data['x'] as { y: unknown[] }).y;
    assert.ok(Array.isArray(y));
    assert.equal(y.length, 2);
    assert.deepEqual(y[1], { z: 'v' });
    assert.deepEqual(data['a'], { b: 2 }, 'a primitive parent is replaced by an object');
  });

  it('cannot write to Object.prototype', () => {
    assert.throws(() => applySetData({}, { '__proto__.polluted': 1 }), SimulatorError);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});

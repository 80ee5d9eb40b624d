import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TypedEmitter } from '../src/typed-emitter.js';

interface Ev {
  a: (x: number) => void;
  b: (s: string, n: number) => void;
}

test('on/off/emit in order; off without callback removes all', () => {
  const e = new TypedEmitter<Ev>();
  const got: string[] = [];
  const f = (x: number) => got.push(`f${x}`);
  assert.equal(e.on('a', f), true);
  e.on('a', (x) => got.push(`g${x}`));
  e.emit('a', 1);
  assert.equal(e.off('a', f), true);
  assert.equal(e.off('a', f), false);
  e.emit('a', 2);
  assert.equal(e.off('a'), true);
  e.emit('a', 3);
  assert.deepEqual(got, ['f1', 'g1', 'g2']);
  // biome-ignore lint/suspicious/noExplicitAny: a ZEGO app may pass anything
  assert.equal(e.on('b', 'nope' as any), false);
});

test('a throwing listener does not stop the others and is reported', () => {
  const e = new TypedEmitter<Ev>();
  const errors: unknown[] = [];
  e.onListenerError = (_ev, err) => errors.push(err);
  let reached = false;
  e.on('b', () => {
    throw new Error('app bug');
  });
  e.on('b', () => {
    reached = true;
  });
  e.emit('b', 'x', 1);
  assert.equal(reached, true);
  assert.equal(errors.length, 1);
});

test('a listener removing itself during emit does not skip the next one', () => {
  const e = new TypedEmitter<Ev>();
  const got: number[] = [];
  const self = () => {
    got.push(1);
    e.off('a', self);
  };
  e.on('a', self);
  e.on('a', () => got.push(2));
  e.emit('a', 0);
  e.emit('a', 0);
  assert.deepEqual(got, [1, 2, 2]);
});

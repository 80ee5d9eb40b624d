import assert from 'node:assert/strict';
import { once as nodeOnce } from 'node:events';
import { test } from 'node:test';
import { TypedEmitter, throwListenerError } from '../src/typed-emitter.js';

interface Ev {
  a: (x: number) => void;
  b: (s: string, n: number) => void;
}

test('on/off/emit in order; off without callback removes all', () => {
  const e = new TypedEmitter<Ev>();
  const got: string[] = [];
  const f = (x: number) => got.push(`f${x}`);
  e.on('a', f);
  assert.equal(e.hasListener('a', f), true);
  const offG = e.on('a', (x) => got.push(`g${x}`));
  assert.equal(e.emit('a', 1), true);
  e.off('a', f);
  assert.equal(e.hasListener('a', f), false);
  assert.equal(e.listenerCount('a'), 1);
  e.emit('a', 2);
  e.on('a', f);
  offG();
  assert.equal(e.listenerCount('a'), 1, 'the function returned by on removes that listener only');
  e.off('a');
  assert.equal(e.listenerCount('a'), 0);
  assert.equal(e.emit('a', 3), false, 'no listeners left');
  assert.deepEqual(got, ['f1', 'g1', 'g2']);
  // biome-ignore lint/suspicious/noExplicitAny: a ZEGO app may pass anything
  e.on('b', 'nope' as any);
  assert.equal(e.listenerCount('b'), 0, 'a non-function is not registered');
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

test('by default a listener error is rethrown on a fresh task, not swallowed', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const e = new TypedEmitter<Ev>();
  const boom = new Error('listener bug');
  let after = false;
  e.on('a', () => {
    throw boom;
  });
  e.on('a', () => {
    after = true;
  });
  e.emit('a', 1);
  assert.equal(after, true, 'emit itself did not throw');
  assert.throws(
    () => t.mock.timers.tick(0),
    (err) => err === boom,
  );
});

test('once, onAny, removeListener, and events.once interoperate', async () => {
  const e = new TypedEmitter<Ev>();
  const got: string[] = [];
  const o = (x: number) => got.push(`once${x}`);
  e.once('a', o);
  const offAny = e.onAny((name, ...args) => got.push(`any:${String(name)}:${args.join(',')}`));
  e.emit('a', 1);
  e.emit('a', 2);
  offAny();
  e.emit('a', 3);
  assert.deepEqual(got, ['once1', 'any:a:1', 'any:a:2']);
  e.once('a', o);
  e.removeListener('a', o);
  assert.equal(e.listenerCount('a'), 0, 'a once-listener is removable by its original callback');
  const waiting = nodeOnce(e as unknown as NodeJS.EventEmitter, 'b');
  e.emit('b', 's', 7);
  assert.deepEqual(await waiting, ['s', 7]);
  assert.equal(e.listenerCount('b'), 0);
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

test('throwListenerError: every listener runs, then the first error is thrown from emit', () => {
  const e = new TypedEmitter<Ev>();
  e.onListenerError = throwListenerError;
  const ran: number[] = [];
  e.on('a', () => {
    ran.push(1);
    throw new Error('first');
  });
  e.on('a', () => {
    ran.push(2);
  });
  assert.throws(() => e.emit('a', 0), /first/);
  assert.deepEqual(ran, [1, 2]);
});

test('a sole listener: its error goes to onListenerError, a listener it adds runs from the next emit', () => {
  const e = new TypedEmitter<Ev>();
  const errors: unknown[] = [];
  e.onListenerError = (_ev, err) => errors.push(err);
  const got: string[] = [];
  let added = false;
  e.on('a', (x) => {
    got.push(`first${x}`);
    if (!added) {
      added = true;
      e.on('a', (y) => got.push(`second${y}`));
      throw new Error('sole');
    }
  });
  e.emit('a', 1);
  assert.deepEqual(got, ['first1'], 'the listener added during emit waits for the next one');
  assert.equal((errors[0] as Error).message, 'sole');
  e.emit('a', 2);
  assert.deepEqual(got, ['first1', 'first2', 'second2']);
  assert.equal(errors.length, 1);
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ZegoExpressEngine } from '@minirtc/sdk';
import { EventLog } from '../src/engine-events.js';

/** A stand-in with only `on`, which is all EventLog uses; `fire` plays an engine emitting an event. */
function fakeEngine() {
  const handlers = new Map<string, (...a: unknown[]) => void>();
  const engine = {
    on: (n: string, h: (...a: unknown[]) => void) => {
      handlers.set(n, h);
      return true;
    },
  } as unknown as ZegoExpressEngine;
  return { engine, fire: (n: string, ...a: unknown[]) => handlers.get(n)?.(...a) };
}

describe('testkit EventLog', () => {
  it('resolves past and future matches', async () => {
    const f = fakeEngine();
    const log = new EventLog(f.engine, ['roomStateUpdate']);
    f.fire('roomStateUpdate', 'r1', 'CONNECTED');
    assert.deepEqual(await log.wait('roomStateUpdate'), ['r1', 'CONNECTED']);
    const next = log.next('roomStateUpdate', (a) => a[1] === 'DISCONNECTED');
    f.fire('roomStateUpdate', 'r1', 'DISCONNECTED');
    assert.deepEqual(await next, ['r1', 'DISCONNECTED']);
  });

  it('rejects after its own timeout, naming the event and what was seen', async () => {
    const f = fakeEngine();
    const log = new EventLog(f.engine, ['roomStateUpdate']);
    f.fire('roomStateUpdate', 'r1', 'CONNECTING');
    const t0 = performance.now();
    await assert.rejects(
      log.wait('roomStateUpdate', (a) => a[1] === 'CONNECTED', 50),
      /no matching 'roomStateUpdate' within 50 ms; 1 'roomStateUpdate' seen: \["r1","CONNECTING"\]/,
    );
    assert.ok(performance.now() - t0 >= 45);
    // A later match no longer resolves the rejected waiter (it was removed).
    f.fire('roomStateUpdate', 'r1', 'CONNECTED');
  });
});

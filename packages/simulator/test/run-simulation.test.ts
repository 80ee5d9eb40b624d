import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runSimulation, type SimulationEvent } from '../src/index.js';

const APP = fileURLToPath(new URL('./fixtures/mini-app', import.meta.url));

describe('runSimulation', () => {
  it('starts N users with their globalData, reports their events, and closes them', async () => {
    const events: SimulationEvent[] = [];
    const simulation = await runSimulation(APP, {
      users: 2,
      room: 'room-7',
      server: 'ws://127.0.0.1:9/ws',
      appID: 42,
      tokenFor: (userID) => `token-of-${userID}`,
      onEvent: (e) => events.push(e),
      taps: (i) => (i === 0 ? ['标记', 'no such button'] : []),
      afterLoad: (sim, i) => {
        if (i === 1) sim.page.tap('second page');
      },
    });
    try {
      const [u1, u2] = simulation.sims;
      assert.deepEqual(JSON.parse(JSON.stringify(u2!.app['globalData'])), {
        userID: 'user2',
        pushUrl: '',
        pullUrl: '',
        mode: 'default',
        userName: 'user2',
        roomID: 'room-7',
        server: 'ws://127.0.0.1:9/ws',
        appID: 42,
        token: 'token-of-user2',
        greeting: 'hello user2',
        launchPath: 'pages/index/index',
      });
      await u2!.waitFor('page', (p) => p.route === 'pages/second/index');
      assert.ok(
        events.some((e) => e.user === 'user2' && e.event === 'ui' && e.text.startsWith('my.navigateTo')),
      );
      assert.ok(events.some((e) => e.user === 'user2' && e.text === 'load pages/second/index'));
      assert.ok(!events.some((e) => e.user === 'user1' && e.event === 'ui'), 'events are per user');
      assert.equal(u1!.page.route, 'pages/index/index');
      assert.equal(u1!.page.data['marked'], true, 'user1 tapped 标记');
      assert.equal(u2!.pages[0]!.data['marked'], false, 'user2 did not');
      assert.ok(
        events.some(
          (e) => e.user === 'user1' && e.event === 'error' && e.text.startsWith("tap 'no such button'"),
        ),
      );
    } finally {
      await simulation.close();
    }
  });

  it("turns an app's unhandled rejection into that user's error event instead of killing the process", async () => {
    const child = fileURLToPath(new URL('./fixtures/unhandled-rejection-child.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', child],
      {
        timeout: 30_000,
      },
    );
    assert.equal(stdout, 'user1 error unhandled promise rejection: Error: forgotten\nsurvived\n');
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '@minirtc/protocol';
import { Connection } from '../src/connection.js';
import type { ConnectionState } from '../src/connection.js';
import { silentLogger } from '../src/logger.js';
import { DefaultReconnectPolicy } from '../src/reconnect-policy.js';
import type { ReconnectContext, ReconnectPolicy } from '../src/reconnect-policy.js';
import { FakePlatform } from './helpers/fake-platform.js';
import { ScriptedServer } from './helpers/scripted-server.js';

const URL_A = 'ws://a/ws';

function setup(reconnectPolicy?: ReconnectPolicy) {
  const platform = new FakePlatform();
  const server = new ScriptedServer(platform);
  server.up.add(URL_A);
  const conn = new Connection({
    servers: [URL_A],
    platform,
    log: silentLogger,
    reconnectWindowMs: 10_000,
    backoff: { baseMs: 500, maxMs: 2000, jitter: 0 },
    reconnectPolicy,
  });
  const states: string[] = [];
  conn.on('stateChanged', (next: ConnectionState, prev: ConnectionState) => states.push(`${prev}>${next}`));
  return { platform, server, conn, states };
}

/** Opens the link and logs in once, as the engine does. */
async function openWithSession(s: ReturnType<typeof setup>): Promise<void> {
  const opened = s.conn.open(5000);
  await s.platform.advance(0);
  await opened;
  const login = s.conn.request<{ sessionID: string; resumeKey: string; seq: number }>(
    { type: 'login', roomID: 'r1' },
    { onData: (d) => s.conn.setSession(d) },
  );
  await s.platform.advance(0);
  await login;
}

test('every state change goes through setState: drop → reconnecting → resuming → open', async () => {
  const s = setup();
  await openWithSession(s);
  s.server.socket.serverClose(1006);
  await s.platform.advance(0);
  assert.deepEqual(s.states, [
    'idle>connecting',
    'connecting>open',
    'open>reconnecting',
    'reconnecting>resuming',
    'resuming>open',
  ]);
  assert.equal(s.conn.ready, true);
});

test('resume refused: relogging until the engine is done, requests wait meanwhile', async () => {
  const s = setup();
  const expired: string[] = [];
  s.conn.on('sessionExpired', () => expired.push(s.conn.connectionState));
  await openWithSession(s);
  s.server.acceptResume = false;
  s.server.socket.serverClose(1006);
  await s.platform.advance(0);
  assert.equal(s.conn.connectionState, 'relogging');
  assert.deepEqual(expired, ['relogging'], 'sessionExpired is emitted in the relogging state');
  assert.equal(s.conn.ready, false);
  let answered = false;
  const waiting = s.conn.request({ type: 'custom' }).then(() => {
    answered = true;
  });
  await s.platform.advance(0);
  assert.equal(answered, false, 'an app request waits for the re-login');
  s.conn.reloginDone();
  await s.platform.advance(0);
  await waiting;
  assert.equal(answered, true);
  assert.deepEqual(s.states.slice(-4), [
    'open>reconnecting',
    'reconnecting>resuming',
    'resuming>relogging',
    'relogging>open',
  ]);
  assert.equal(s.conn.connectionState, 'open');
});

test('the default policy is the backoff within the window; a custom policy decides retries and giving up', async () => {
  const def = new DefaultReconnectPolicy({ baseMs: 500, maxMs: 2000, jitter: 0 }, () => 0);
  const ctx = (retryCount: number, elapsedMs: number): ReconnectContext => ({
    retryCount,
    elapsedMs,
    windowMs: 3000,
    reconnecting: true,
  });
  assert.deepEqual(
    [0, 1, 2, 3, 4].map((n) => def.nextRetryDelayInMs(ctx(n, 0))),
    [0, 500, 1000, 2000, 2000],
  );
  assert.equal(def.nextRetryDelayInMs(ctx(3, 1500)), null, 'the next attempt would start after the window');
  assert.equal(def.nextRetryDelayInMs(ctx(0, 99_999)), 0, 'the first attempt is always made');

  const seen: ReconnectContext[] = [];
  const s = setup({
    nextRetryDelayInMs: (c) => {
      seen.push(c);
      if (!c.reconnecting) return 0;
      return c.retryCount < 2 ? 100 : null;
    },
  });
  const failed: number[] = [];
  s.conn.on('failed', (code) => failed.push(code));
  await openWithSession(s);
  s.server.up.clear();
  s.server.socket.serverClose(1006);
  await s.platform.advance(1000);
  const reconnects = seen.filter((c) => c.reconnecting);
  assert.deepEqual(
    reconnects.map((c) => [c.retryCount, c.elapsedMs]),
    [
      [0, 0],
      [1, 100],
      [2, 200],
    ],
  );
  assert.equal(reconnects[0]?.windowMs, 10_000);
  assert.deepEqual(failed, [ErrorCode.RELOGIN_FAILED]);
  assert.equal(s.conn.connectionState, 'idle');
  assert.equal(s.states.at(-1), 'reconnecting>idle');
});

test('one teardown: close() from any state leaves no timers, fails waiters, and returns to idle once', async () => {
  const s = setup();
  await openWithSession(s);
  s.server.up.clear();
  s.server.socket.serverClose(1006);
  await s.platform.advance(0);
  assert.equal(s.conn.connectionState, 'reconnecting');
  const waiting = s.conn.request({ type: 'custom' });
  s.conn.close();
  await assert.rejects(waiting, (e: { code: number }) => e.code === ErrorCode.NOT_LOGGED_IN);
  assert.equal(s.platform.pendingTimers, 0);
  assert.equal(s.states.filter((x) => x.endsWith('>idle')).length, 1);
  s.conn.close();
  assert.equal(s.states.filter((x) => x.endsWith('>idle')).length, 1, 'a second close changes nothing');
});

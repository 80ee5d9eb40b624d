import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogEntry } from '../src/logger.js';
import { RemoteLogger, defaultLogURL } from '../src/remote-logger.js';
import { FakePlatform } from './helpers/fake-platform.js';

function make(platform: FakePlatform, over: Partial<ConstructorParameters<typeof RemoteLogger>[1]> = {}) {
  const local: LogEntry[] = [];
  const log = new RemoteLogger(platform, {
    logURL: 'http://h/httplog',
    logLevel: 'warn',
    remoteLogLevel: 'info',
    batchSize: 3,
    flushMs: 1000,
    maxQueue: 5,
    context: { appID: 1 },
    sink: (e) => local.push(e),
    ...over,
  });
  log.setLogToken('cred'); // as after a login reply
  return { log, local };
}

test('log URL is derived from the signaling URL', () => {
  assert.equal(defaultLogURL('wss://rtc.example.com/ws'), 'https://rtc.example.com/httplog');
  assert.equal(defaultLogURL('ws://127.0.0.1:8080/ws'), 'http://127.0.0.1:8080/httplog');
  assert.equal(defaultLogURL('nonsense'), '');
});

test('levels filter local and remote output separately; a full batch is sent at once', async () => {
  const p = new FakePlatform();
  const { log, local } = make(p);
  log.debug('t', 'dropped everywhere');
  log.info('t', 'remote only');
  log.warn('t', 'both');
  assert.deepEqual(
    local.map((e) => e.msg),
    ['both'],
  );
  assert.equal(p.requests.length, 0);
  log.error('t', 'third: batch full', { x: 1 });
  await p.advance(0);
  assert.equal(p.requests.length, 1);
  const body = p.requests[0]?.data as { appID: number; logs: LogEntry[] };
  assert.equal(body.appID, 1);
  assert.deepEqual(
    body.logs.map((e) => e.msg),
    ['remote only', 'both', 'third: batch full'],
  );
});

test('a partial batch waits flushMs; a failed POST keeps entries (bounded) and retries', async () => {
  const p = new FakePlatform();
  const { log } = make(p);
  p.requestStatus = 0;
  log.info('t', 'a');
  await p.advance(999);
  assert.equal(p.requests.length, 0);
  await p.advance(1);
  assert.equal(p.requests.length, 1);
  assert.equal(log.queued, 1, 'kept after failure');
  for (let i = 0; i < 9; i++) log.info('t', `m${i}`);
  await p.advance(0);
  assert.ok(log.queued <= 5, `bounded: ${log.queued}`);
  await p.advance(60_000);
  const tries = p.requests.length;
  assert.ok(tries <= 4, `gives up retrying after a few failures (${tries})`);
  assert.equal(p.pendingTimers, 0);
  p.requestStatus = 200;
  log.info('t', 'm9'); // a new entry re-arms the flush
  await p.advance(1000);
  assert.equal(log.queued, 0);
  const last = p.requests.at(-1)?.data as { logs: LogEntry[] };
  assert.equal(last.logs.at(-1)?.msg, 'm9', 'the newest entries survive');
});

test('setLogConfig: disable stops remote logging; bad levels are refused; dispose leaves no timer', async () => {
  const p = new FakePlatform();
  const { log } = make(p);
  // biome-ignore lint/suspicious/noExplicitAny: an app may pass anything
  assert.equal(log.configure({ logLevel: 'loud' as any }), false);
  assert.equal(log.configure({ remoteLogLevel: 'disable' }), true);
  log.error('t', 'not sent');
  await p.advance(5000);
  assert.equal(p.requests.length, 0);
  log.configure({ remoteLogLevel: 'info' });
  p.requestStatus = 0;
  log.info('t', 'x');
  log.dispose();
  await p.advance(60_000);
  assert.equal(p.requests.length, 1, 'one last try, no retry loop after dispose');
  assert.equal(p.pendingTimers, 0);
});

test('entries wait for the login reply, then go with its log credential', async () => {
  const platform = new FakePlatform();
  const log = new RemoteLogger(platform, {
    logURL: 'http://h/httplog',
    logLevel: 'warn',
    remoteLogLevel: 'info',
    batchSize: 1,
    flushMs: 1000,
    maxQueue: 5,
    context: { appID: 1 },
    sink: () => {},
  });
  log.info('t', 'before login');
  assert.equal(platform.requests.length, 0, 'nothing is posted without a credential');
  log.setLogToken('v1.cred');
  await Promise.resolve();
  assert.equal(platform.requests.length, 1);
  assert.equal((platform.requests[0]?.data as { logToken?: string } | undefined)?.logToken, 'v1.cred');
});

/**
 * Units of the security layer: SSRF classification and the delivery-time DNS check (re-binding,
 * with an injected resolver), the failed-login budgets, the `/httplog` credential, and the
 * aggregation of failed logins in the timeline.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import { issueLogCredential, logCredentialApp, verifyLogCredential } from '../src/security/log-credential.js';
import { LoginFailureAggregator } from '../src/security/login-failures.js';
import { LoginGuard } from '../src/security/login-guard.js';
import { RefusalCounter } from '../src/security/refusals.js';
import {
  ForbiddenDestinationError,
  type Resolver,
  forbiddenAddress,
  forbiddenUrl,
} from '../src/security/ssrf-guard.js';
import { failureCategory, postWebhook } from '../src/security/webhook-post.js';
import { openDatabase } from '../src/store/database.js';
import { TimelineStore } from '../src/timeline/timeline-store.js';

describe('security units', () => {
  it('classifies internal destinations, literal and by name', () => {
    const cases: [string, string | null][] = [
      ['127.0.0.1', 'loopback'],
      ['127.255.0.9', 'loopback'],
      ['10.0.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['172.32.0.1', null],
      ['192.168.0.10', 'private'],
      ['100.64.0.1', 'cgnat'],
      ['100.128.0.1', null],
      ['169.254.169.254', 'metadata'],
      ['169.254.1.1', 'link-local'],
      ['224.0.0.251', 'multicast'],
      ['0.0.0.0', 'unspecified'],
      ['::1', 'loopback'],
      ['::', 'unspecified'],
      ['fd12::1', 'private'],
      ['fe80::1', 'link-local'],
      ['ff02::1', 'multicast'],
      ['::ffff:10.0.0.1', 'private'],
      ['::ffff:a00:1', 'private'],
      ['fd00:ec2::254', 'private'],
      ['8.8.8.8', null],
      ['2606:4700::1111', null],
    ];
    for (const [ip, want] of cases) assert.equal(forbiddenAddress(ip), want, ip);
    assert.equal(forbiddenUrl('http://LOCALHOST./x'), 'loopback');
    assert.equal(forbiddenUrl('https://metadata.google.internal/computeMetadata'), 'metadata');
    assert.equal(forbiddenUrl('https://hooks.example.com/x'), null, 'names are resolved at delivery');
  });

  it('refuses a name that resolves to an internal address at delivery (re-binding), before connecting', async () => {
    const resolver: Resolver = (host, _o, cb) =>
      cb(null, host === 'rebind.example' ? [{ address: '127.0.0.1', family: 4 }] : []);
    const err = await postWebhook('http://rebind.example:9/hook', '{}', {
      signal: AbortSignal.timeout(2000),
      allowPrivate: false,
      resolver,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ForbiddenDestinationError);
    assert.equal(failureCategory(err), 'forbidden_destination');
    // Any internal address among several is enough to refuse.
    const mixed: Resolver = (_h, _o, cb) =>
      cb(null, [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.5', family: 4 },
      ]);
    await assert.rejects(
      postWebhook('http://mixed.example/hook', '{}', {
        signal: AbortSignal.timeout(2000),
        allowPrivate: false,
        resolver: mixed,
      }),
      ForbiddenDestinationError,
    );
    assert.equal(
      failureCategory(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })),
      'connection_refused',
    );
    assert.equal(failureCategory(Object.assign(new Error('x'), { code: 'ENOTFOUND' })), 'dns_failure');
  });

  it('failed-login budgets: an address is refused before verification; an app only for failures', () => {
    const refusals = new RefusalCounter();
    const g = new LoginGuard(
      { burstPerAddress: 3, perMinutePerAddress: 0, burstPerApp: 5, perMinutePerApp: 0 },
      refusals,
    );
    const bad = new MiniRtcError(ErrorCode.TOKEN_MALFORMED);
    for (let i = 0; i < 3; i++) {
      g.admit('10.0.0.1');
      assert.equal(g.failed('10.0.0.1', 1, bad), bad);
    }
    assert.throws(
      () => g.admit('10.0.0.1'),
      (e: MiniRtcError) => e.code === ErrorCode.RATE_LIMITED && e.detail?.closeAfterReply === true,
    );
    // Other addresses keep their own budget; the app's budget (5) runs out on failures only.
    assert.equal(g.failed('10.0.0.2', 1, bad), bad);
    assert.equal(g.failed('10.0.0.3', 1, bad), bad);
    assert.equal(g.failed('10.0.0.4', 1, bad).code, ErrorCode.RATE_LIMITED);
    g.admit('10.0.0.5'); // a new address may still try (a valid token would pass)
    assert.equal(refusals.get('login_budget_address'), 1);
    assert.equal(refusals.get('login_budget_app'), 1);
  });

  it('the /httplog credential: issued for an app and user, forged or expired ones fail', () => {
    const secret = 'a'.repeat(32);
    const t = issueLogCredential(42, 'ünï', secret, 60);
    assert.equal(logCredentialApp(t), 42);
    assert.deepEqual(verifyLogCredential(t, secret)?.userID, 'ünï');
    assert.equal(verifyLogCredential(t, 'b'.repeat(32)), null, 'another secret');
    assert.equal(verifyLogCredential(t.replace('v1.42.', 'v1.43.'), secret), null, 'another app');
    assert.equal(verifyLogCredential(issueLogCredential(42, 'u', secret, -1), secret), null, 'expired');
    assert.equal(logCredentialApp(42), null);
  });

  it('failed logins are one row per app, source and minute, with their own share of the timeline', () => {
    const db = openDatabase(':memory:');
    const store = new TimelineStore(db);
    let now = 1_800_000_000_000;
    const agg = new LoginFailureAggregator(store, { maxKeysPerMinute: 2, maxRows: 3 }, () => now);
    for (let i = 0; i < 50; i++) agg.add(7, '10.0.0.1', ErrorCode.TOKEN_MALFORMED, 'format', `u${i % 20}`);
    agg.add(7, '10.0.0.2', ErrorCode.TOKEN_MALFORMED, 'user', 'x');
    agg.add(7, '10.0.0.3', ErrorCode.TOKEN_MALFORMED, 'user', 'y'); // over 2 keys: into '*'
    agg.add(7, '10.0.0.4', ErrorCode.TOKEN_MALFORMED, 'user', 'z');
    let rows = store.query({ appID: 7 });
    assert.deepEqual(
      rows.map((r) => [r.detail?.source, r.detail?.count]),
      [
        ['10.0.0.1', 50],
        ['10.0.0.2', 1],
        ['*', 2],
      ],
    );
    assert.equal((rows[0]?.detail?.users as string[] | undefined)?.length, 10, 'users sample bounded');
    store.record({ appID: 7, type: 'login', userID: 'real' });
    now += 60_000;
    for (let m = 0; m < 200; m++) {
      now += 60_000;
      agg.add(7, '10.0.0.1', ErrorCode.TOKEN_MALFORMED, 'format', 'u');
    }
    rows = store.query({ appID: 7, limit: 5000 });
    assert.ok(rows.filter((r) => r.type === 'login.failed').length <= 100 + 3, 'pruned to their share');
    assert.ok(
      rows.some((r) => r.type === 'login' && r.userID === 'real'),
      'call history survives',
    );
    db.close();
  });
});

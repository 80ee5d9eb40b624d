import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ErrorCode } from '@minirtc/protocol';
import { streamSigningKey, verifyGrant, verifyToken04 } from '@minirtc/protocol/crypto';
import { loadOrCreateDevApp } from '../src/dev-app.js';
import { main } from '../src/main.js';

function run(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env }).then((code) => ({
    code,
    out,
    err,
  }));
}

const secret = '0123456789abcdef0123456789abcdef';
/** The app credentials every command below passes. */
const app = ['--app-id', '77', '--secret', secret];

describe('minirtc token / sign', () => {
  it('prints a token04 that verifies, with room privileges', async () => {
    const r = await run(['token', ...app, '--user', 'u1', '--room', 'r1', '--publish', 'false']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const info = verifyToken04(r.out[0]!, { appID: 77, userID: 'u1', secret, roomID: 'r1' });
    assert.equal(info.permissions?.privilege['2'], 0);
    assert.equal(info.mode, 'gcm');
  });

  it('uses the dev app of the data dir when no secret is given, creating it on a fresh clone', async () => {
    const off = mkdtempSync(join(tmpdir(), 'minirtc-dev-'));
    const none = await run(['token', '--user', 'u1', '--dataDir', off, '--devApp', 'false']);
    assert.equal(none.code, 1);
    assert.match(none.err[0]!, new RegExp(`error ${ErrorCode.INVALID_PARAM}.*no --app-id/--secret given`));
    // Fresh data dir, no `start` before: token and sign create the dev app as start would.
    const dataDir = mkdtempSync(join(tmpdir(), 'minirtc-dev-'));
    const signed = await run(['sign', '--user', 'u1', '--room', 'r1', '--stream', 's1'], {
      MINIRTC_DATA_DIR: dataDir,
    });
    assert.equal(signed.code, 0, signed.err.join('\n'));
    const dev = loadOrCreateDevApp(dataDir);
    assert.equal(new URL(signed.out[0]!).searchParams.get('appid'), String(dev.appID));
    assert.deepEqual(loadOrCreateDevApp(dataDir), dev, 'stable across runs');
    const r = await run(['token', '--user', 'u1', '--mode', 'cbc'], { MINIRTC_DATA_DIR: dataDir });
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.equal(
      verifyToken04(r.out[0]!, { appID: dev.appID, userID: 'u1', secret: dev.serverSecret }).mode,
      'cbc',
    );
  });

  it('rejects bad input with a code', async () => {
    const r = await run(['token', ...app, '--user', 'bad user']);
    assert.equal(r.code, 1);
    assert.match(r.err[0]!, new RegExp(`error ${ErrorCode.USER_ID_ILLEGAL}`));
    const t = await run(['token', ...app, '--user', 'u', '--ttl', '-5']);
    assert.equal(t.code, 1);
    const u = await run(['frobnicate']);
    assert.equal(u.code, 2);
  });

  it('signs stream URLs the gateway can verify', async () => {
    const r = await run([
      'sign',
      ...app,
      '--user',
      'u1',
      '--room',
      'r1',
      '--stream',
      's1',
      '--action',
      'play',
    ]);
    assert.equal(r.code, 0, r.err.join('\n'));
    const u = new URL(r.out[0]!);
    assert.equal(u.protocol, 'rtmp:');
    const key = streamSigningKey(secret);
    const g = verifyGrant('s1', Object.fromEntries(u.searchParams), (id) => (id === 77 ? key : undefined));
    assert.equal(g.action, 'play');
    assert.equal(g.userID, 'u1');
    const http = await run([
      'sign',
      ...app,
      '--user',
      'u1',
      '--room',
      'r1',
      '--stream',
      's1',
      '--action',
      'play',
      '--base',
      'http://127.0.0.1:8080/live',
    ]);
    assert.equal(http.code, 0, http.err.join('\n'));
    assert.equal(new URL(http.out[0]!).pathname, '/live/s1.flv', 'HTTP-FLV URLs end in .flv');
  });

  it('refuses --publish or --streams without --room instead of granting publishing silently', async () => {
    for (const extra of [
      ['--publish', 'false'],
      ['--streams', 's1'],
    ]) {
      const r = await run(['token', ...app, '--user', 'u1', ...extra]);
      assert.equal(r.code, 1);
      assert.match(r.err[0]!, new RegExp(`error ${ErrorCode.INVALID_PARAM}.*pass --room`));
    }
    const bad = await run(['token', ...app, '--user', 'u1', '--room', 'r1', '--publish', 'no']);
    assert.equal(bad.code, 1);
    assert.match(
      bad.err[0]!,
      new RegExp(`error ${ErrorCode.INVALID_PARAM}.*--publish must be true or false`),
    );
  });

  it('config prints the effective configuration and, with --keys, every key and its variable', async () => {
    const r = await run(['config', '--keys', '--port', '9999']);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.equal(JSON.parse(r.out.filter((l) => !l.startsWith('  --')).join('\n')).port, 9999);
    assert.ok(r.out.some((l) => /--rtmp\.port\s+MINIRTC_RTMP_PORT/.test(l)));
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MiniRtcError } from '@minirtc/protocol';
import { defaultConfig, envName, loadConfig } from '../src/config.js';
import { parseArgs } from '../src/args.js';

const dir = mkdtempSync(join(tmpdir(), 'minirtc-cfg-'));

function err(fn: () => unknown): MiniRtcError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MiniRtcError, String(e));
    return e;
  }
  assert.fail('expected an error');
}

describe('config', () => {
  it('deployment keys: tls pair, publicUrl, trustedProxies (comma-separated from env, each checked)', () => {
    const c = loadConfig({
      env: {
        MINIRTC_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8,::1',
        MINIRTC_PUBLIC_URL: 'https://rtc.example.com',
      },
      flags: { 'tls.cert': '/etc/c.pem', 'tls.key': '/etc/k.pem', opsPort: '9090' },
    });
    assert.deepEqual(c.trustedProxies, ['127.0.0.1', '10.0.0.0/8', '::1']);
    assert.equal(c.publicUrl, 'https://rtc.example.com');
    assert.deepEqual(c.tls, { cert: '/etc/c.pem', key: '/etc/k.pem' });
    assert.equal(c.opsPort, 9090);
    assert.match(
      err(() => loadConfig({ env: { MINIRTC_TRUSTED_PROXIES: '10.0.0.0/33' } })).message,
      /trustedProxies: 10\.0\.0\.0\/33/,
    );
    assert.match(err(() => loadConfig({ flags: { 'tls.cert': '/c.pem' } })).message, /tls\.key/);
  });

  it('defaults are valid and on loopback', () => {
    const c = loadConfig();
    assert.deepEqual(c, defaultConfig);
    assert.equal(c.host, '127.0.0.1');
  });

  it('file < env < flags', () => {
    const file = join(dir, 'a.yaml');
    writeFileSync(file, 'port: 9000\nrtmp:\n  port: 1940\nsignaling:\n  resumeGraceMs: 5000\n');
    const c = loadConfig({
      file,
      env: { MINIRTC_RTMP_PORT: '1941', MINIRTC_SIGNALING_RESUME_GRACE_MS: '7000' },
      flags: { 'signaling.resumeGraceMs': '9000' },
    });
    assert.equal(c.port, 9000);
    assert.equal(c.rtmp.port, 1941);
    assert.equal(c.signaling.resumeGraceMs, 9000);
    assert.equal(c.signaling.heartbeatMs, defaultConfig.signaling.heartbeatMs);
  });

  it('the command line takes the old --db <file> as db.file, and the cluster keys', () => {
    const args = parseArgs([
      'start',
      '--db',
      '/tmp/old-form.db',
      '--state.redisUrl',
      'redis://r:6379',
      '--nodeId',
      'sig-1',
    ]);
    const c = loadConfig({ flags: args.options });
    assert.equal(c.db.file, '/tmp/old-form.db');
    assert.equal(c.state.redisUrl, 'redis://r:6379');
    assert.equal(c.nodeId, 'sig-1');
    assert.throws(() => loadConfig({ flags: { nodeId: 'bad id!' } }), /nodeId/);
  });

  it('JSON files work too', () => {
    const file = join(dir, 'b.json');
    writeFileSync(file, JSON.stringify({ rtmp: { enabled: false } }));
    assert.equal(loadConfig({ file }).rtmp.enabled, false);
  });

  it('names the bad key', () => {
    assert.match(
      err(() => loadConfig({ env: { MINIRTC_PORT: 'abc' } })).message,
      /MINIRTC_PORT.*port must be an integer/,
    );
    assert.match(
      err(() => loadConfig({ flags: { port: '70000' } })).message,
      /port must be between 0 and 65535/,
    );
    assert.match(err(() => loadConfig({ flags: { nope: '1' } })).message, /unknown option --nope/);
    assert.match(err(() => loadConfig({ flags: { logLevel: 'loud' } })).message, /logLevel must be one of/);
    assert.match(err(() => loadConfig({ env: { MINIRTC_RTMP_ENABLED: 'maybe' } })).message, /true or false/);
    const bad = join(dir, 'c.yaml');
    writeFileSync(bad, 'rtmp:\n  prot: 1\n');
    assert.match(err(() => loadConfig({ file: bad })).message, /unknown key rtmp\.prot/);
    writeFileSync(bad, 'port: [1');
    assert.match(err(() => loadConfig({ file: bad })).message, /c\.yaml/);
    assert.match(err(() => loadConfig({ file: join(dir, 'missing.yaml') })).message, /missing\.yaml/);
  });

  it('env names follow the key path', () => {
    assert.equal(envName('rtmp.port'), 'MINIRTC_RTMP_PORT');
    assert.equal(envName('signaling.heartbeatTimeoutMs'), 'MINIRTC_SIGNALING_HEARTBEAT_TIMEOUT_MS');
  });

  it('parses flags', () => {
    assert.deepEqual(parseArgs(['start', '--port', '1', '--x=2', '--flag', '--no-dev', 'pos']), {
      positional: ['start', 'pos'],
      options: { port: '1', x: '2', flag: 'true', dev: 'false' },
    });
  });
});

describe('config: security section and trusted proxies', () => {
  it('security limits have safe defaults and are set like any key; trustedProxies is a list', () => {
    const c = loadConfig({
      env: {
        MINIRTC_TRUSTED_PROXIES: '10.0.0.1, 10.1.0.0/16',
        MINIRTC_SECURITY_WS_LOGIN_DEADLINE_MS: '5000',
      },
      flags: { 'security.rtmpUnauthorizedPerAddress': '4' },
    });
    assert.deepEqual(c.trustedProxies, ['10.0.0.1', '10.1.0.0/16']);
    assert.equal(c.security.wsLoginDeadlineMs, 5000);
    assert.equal(c.security.rtmpUnauthorizedPerAddress, 4);
    assert.equal(defaultConfig.security.webhookAllowPrivate, false);
    assert.deepEqual(defaultConfig.trustedProxies, []);
    assert.throws(() => loadConfig({ flags: { 'security.rtmpPreAuthBufferBytes': '1' } }), MiniRtcError);
  });
});

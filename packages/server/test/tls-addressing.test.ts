import assert from 'node:assert/strict';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { makeTestCa } from '@minirtc/testkit';
import { MemoryAppStore } from '../src/app-store.js';
import { createAddressResolver } from '../src/http/client-address.js';
import { MiniRtcServer } from '../src/server.js';
import { APP_ID, SECRET } from './helpers.js';

/** A request as the resolver sees it (unit test: no socket needed). */
function req(peer: string, headers: Record<string, string> = {}, encrypted = false): IncomingMessage {
  return {
    socket: { remoteAddress: peer, encrypted },
    headers,
    connection: { remoteAddress: peer },
  } as never;
}

describe('client addresses: X-Forwarded-* only from trusted proxies', () => {
  it('ignores forwarded headers from anyone else', () => {
    const none = createAddressResolver([]);
    assert.equal(none.clientAddress(req('127.0.0.1', { 'x-forwarded-for': '203.0.113.7' })), '127.0.0.1');
    assert.equal(none.protocol(req('127.0.0.1', { 'x-forwarded-proto': 'https' })), 'http');
    const proxied = createAddressResolver(['10.0.0.0/8', '::1']);
    assert.equal(proxied.clientAddress(req('192.0.2.1', { 'x-forwarded-for': '203.0.113.7' })), '192.0.2.1');
  });

  it('believes a trusted proxy, and stops at the first untrusted hop (spoofed prefixes ignored)', () => {
    const r = createAddressResolver(['10.0.0.0/8']);
    const xff = { 'x-forwarded-for': '198.51.100.9, 203.0.113.7, 10.1.2.3' };
    assert.equal(r.clientAddress(req('10.0.0.1', xff)), '203.0.113.7');
    assert.equal(r.protocol(req('10.0.0.1', { 'x-forwarded-proto': 'https' })), 'https');
    assert.equal(r.protocol(req('10.0.0.1', {}, true)), 'https');
  });

  it('fails at start on a malformed proxy entry', () => {
    assert.throws(() => createAddressResolver(['not-an-ip']));
  });
});

describe('TLS server: reload on file change, plain ops listener', () => {
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-tls-unit-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  let server: MiniRtcServer;
  let ca: Buffer;
  let next: { cert: string; key: string; fingerprint: string };
  const fingerprint = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: server.port, ca, servername: 'localhost' }, () => {
        resolve(s.getPeerCertificate().fingerprint256);
        s.end();
      });
      s.on('error', reject);
    });

  before(async () => {
    const testCa = makeTestCa(dir);
    ca = readFileSync(testCa.caFile);
    const first = testCa.issue('one');
    next = testCa.issue('two');
    copyFileSync(first.cert, certFile);
    copyFileSync(first.key, keyFile);
    server = new MiniRtcServer({
      port: 0,
      apps: new MemoryAppStore([{ appID: APP_ID, serverSecret: SECRET }]),
      tls: { cert: certFile, key: keyFile, watchIntervalMs: 100 },
      opsListener: { port: 0 },
    });
    await server.listen();
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves https and wss URLs; the ops listener is plain HTTP with /healthz and /metrics only', async () => {
    assert.match(server.httpUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(server.wsUrl, /^wss:\/\//);
    const ops = server.opsUrl ?? '';
    assert.match(ops, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(await (await fetch(`${ops}/healthz`)).json(), { ok: true });
    const m = await fetch(`${ops}/metrics`);
    assert.match(await m.text(), /^minirtc_sessions 0$/m);
    assert.equal((await fetch(`${ops}/api/v1/apps`)).status, 404);
  });

  it('a bad pair is refused and the old certificate kept; replaced files are picked up by the watcher', async () => {
    const before = await fingerprint();
    writeFileSync(keyFile, 'not a key');
    const refused = once(server, 'tlsReload');
    assert.equal(await server.reloadTls(), false);
    assert.deepEqual((await refused)[0], { ok: false, reason: 'signal' });
    assert.equal(await fingerprint(), before);

    const reloaded = new Promise<{ ok: boolean; reason: string }>((resolve) =>
      server.on('tlsReload', (e) => {
        if (e.ok) resolve(e);
      }),
    );
    copyFileSync(next.key, keyFile);
    copyFileSync(next.cert, certFile);
    assert.deepEqual(await reloaded, { ok: true, reason: 'file' });
    assert.equal((await fingerprint()).replace(/:/g, ''), next.fingerprint.replace(/:/g, ''));
  });
});

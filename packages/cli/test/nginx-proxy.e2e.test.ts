/**
 * Debian nginx with the repo's reverse-proxy config (deploy/nginx/minirtc.conf) terminates TLS in
 * front of MiniRTC: SDK engines log in over wss:// through it, and the server sees each client's own
 * address (::1) from the trusted proxy's X-Forwarded-For, not the proxy's (127.0.0.1). nginx runs
 * with a temporary prefix on free loopback ports.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnWssClients } from './helpers/wss-clients.js';
import { generateToken04, makeRoomPayload } from '@minirtc/protocol/crypto';
import { MemoryAppStore, MiniRtcServer } from '@minirtc/server';
import { makeTestCa } from '@minirtc/testkit';

const APP_ID = 1234567;
const SECRET = 'fa94dd0f974cf2e293728a526b028271';
const PUBLIC_RTMP = 'rtmp://media.example.test:1935/live';
const repoConf = new URL('../../../deploy/nginx/minirtc.conf', import.meta.url);
const nginxBin = ['/usr/sbin/nginx', 'nginx'].find((p) => p === 'nginx' || safeExists(p)) ?? 'nginx';
const T = { timeout: 120_000 };

function safeExists(p: string): boolean {
  try {
    readFileSync(p, { flag: 'r' }).length;
    return true;
  } catch {
    return false;
  }
}

/** A port free on both loopback addresses right now (nginx binds it a moment later). */
async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '::1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  await once(s, 'close');
  return port;
}

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

describe('nginx (repo config) terminating TLS in front of MiniRTC', () => {
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-nginx-'));
  let server: MiniRtcServer;
  let httpsPort = 0;
  let redirectPort = 0;
  let nginxConf = '';
  let clients: ChildProcess | undefined;
  let caFile = '';

  before(async () => {
    const ca = makeTestCa(dir);
    const cert = ca.issue('proxy');
    httpsPort = await freePort();
    redirectPort = await freePort();
    server = new MiniRtcServer({
      port: 0,
      apps: new MemoryAppStore([{ appID: APP_ID, serverSecret: SECRET }]),
      trustedProxies: ['127.0.0.1', '::1'],
      publicUrl: `https://localhost:${httpsPort}`,
      mediaRtmpBase: PUBLIC_RTMP,
    });
    await server.listen();
    // The repo's file, with only the deployment-specific values changed for this machine.
    const site = readFileSync(repoConf, 'utf8')
      .replace('server 127.0.0.1:8080;', `server 127.0.0.1:${server.port};`)
      .replace('listen 443 ssl;', `listen 127.0.0.1:${httpsPort} ssl;`)
      .replace('listen [::]:443 ssl;', `listen [::1]:${httpsPort} ssl;`)
      .replace('listen 80;', `listen 127.0.0.1:${redirectPort};`)
      .replace('listen [::]:80;', `listen [::1]:${redirectPort};`)
      .replace('/etc/letsencrypt/live/rtc.example.com/fullchain.pem', cert.cert)
      .replace('/etc/letsencrypt/live/rtc.example.com/privkey.pem', cert.key);
    assert.doesNotMatch(site, /:8080|listen 443|letsencrypt/, 'every deployment value was replaced');
    writeFileSync(join(dir, 'minirtc.conf'), site);
    for (const d of ['logs', 'tmp']) mkdirSync(join(dir, d));
    nginxConf = join(dir, 'nginx.conf');
    writeFileSync(
      nginxConf,
      [
        process.getuid?.() === 0 ? 'user root;' : '',
        'worker_processes 1;',
        `pid ${join(dir, 'nginx.pid')};`,
        `error_log ${join(dir, 'logs', 'error.log')} warn;`,
        'events { worker_connections 128; }',
        'http {',
        '  access_log off;',
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
          (t) => `  ${t}_temp_path ${join(dir, 'tmp', t)};`,
        ),
        `  include ${join(dir, 'minirtc.conf')};`,
        '}',
      ].join('\n'),
    );
    // Daemon mode: the command returns once the master has bound its ports (or failed to).
    const started = await run(nginxBin, ['-p', dir, '-c', nginxConf]);
    if (started.code !== 0) nginxConf = '';
    assert.equal(started.code, 0, `nginx failed to start: ${started.out}`);

    caFile = ca.caFile;
  });

  after(async () => {
    clients?.stdin?.end();
    if (clients && clients.exitCode === null) await once(clients, 'exit');
    if (nginxConf) await run(nginxBin, ['-p', dir, '-c', nginxConf, '-s', 'stop']);
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('wss login through nginx; the server sees the client address from the trusted proxy', T, async () => {
    const seen: { address: string; peer: string }[] = [];
    const two = new Promise<void>((resolve) =>
      server.on('connection', (e) => {
        seen.push(e);
        if (seen.length === 2) resolve();
      }),
    );
    const token = (userID: string) =>
      generateToken04({
        appID: APP_ID,
        userID,
        secret: SECRET,
        ttlSeconds: 600,
        payload: makeRoomPayload('px-room', true, null),
      });
    clients = spawnWssClients(
      {
        server: `wss://[::1]:${httpsPort}/ws`,
        appID: APP_ID,
        roomID: 'px-room',
        streamID: 'px-s1',
        publisher: { userID: 'px-a', token: token('px-a') },
        viewer: { userID: 'px-b', token: token('px-b') },
      },
      caFile,
    );
    let text = '';
    const line = new Promise<string>((resolve, reject) => {
      clients!.stdout!.on('data', (d: Buffer) => {
        text += d.toString();
        const m = /^\{"login".*$/m.exec(text);
        if (m) resolve(m[0]);
      });
      clients!.once('exit', (code) => reject(new Error(`client exited ${code}: ${text}`)));
    });
    const r = JSON.parse(await line) as { login: boolean; pushUrl?: string; error?: string };
    assert.equal(r.login, true, r.error);
    assert.ok(r.pushUrl?.startsWith(`${PUBLIC_RTMP}/px-s1?`), r.pushUrl);
    await two;
    for (const c of seen) {
      assert.equal(c.peer, '127.0.0.1', 'nginx connects from loopback v4');
      assert.equal(c.address, '::1', "the client's own address, from X-Forwarded-For");
    }
  });

  it('HTTPS through nginx reaches MiniRTC; plain HTTP redirects to https', T, async () => {
    const ca = readFileSync(caFile);
    const get = (url: string, secure: boolean) =>
      new Promise<{ status: number; body: string; location?: string }>((resolve, reject) => {
        const req = (secure ? httpsRequest : httpRequest)(url, secure ? { ca } : {}, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body,
              ...(res.headers.location ? { location: res.headers.location } : {}),
            }),
          );
        });
        req.on('error', reject);
        req.end();
      });
    const h = await get(`https://[::1]:${httpsPort}/healthz`, true);
    assert.equal(h.status, 200);
    assert.equal(h.body, '{"ok":true}');
    const plain = await get(`http://127.0.0.1:${redirectPort}/healthz`, false);
    assert.equal(plain.status, 301);
    assert.match(plain.location ?? '', /^https:\/\//);
  });
});

/**
 * Internet-ready deployment (issue 9), all real: a throwaway CA and certificates from openssl;
 * `minirtc start` with TLS as its own process; SDK engines logging in over wss:// trusting the CA;
 * REST over HTTPS; ffmpeg publishing RTMP and playing HTTP-FLV over HTTPS; the certificate replaced
 * and SIGHUP sent while that player keeps decoding; `minirtc doctor --url` ok, then fail once the
 * server serves an expired certificate. URLs handed out use the configured public bases.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { spawnWssClients } from './helpers/wss-clients.js';
import { generateToken04, makeRoomPayload } from '@minirtc/protocol/crypto';
import {
  type Ffmpeg,
  type Player,
  type TestCa,
  makeTestCa,
  play,
  publishTestPattern,
} from '@minirtc/testkit';

const bin = new URL('../bin/minirtc.mjs', import.meta.url).pathname;
const ADMIN = 'tls-test-admin-key-0123456789';
const PUBLIC_HTTP = 'https://rtc.example.test';
const PUBLIC_RTMP = 'rtmp://media.example.test:1935/live';
const T = { timeout: 120_000 };

/** Lines of a child's stream, with a wait for the first one matching. */
class Lines {
  text = '';
  #waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  constructor(
    stream: NodeJS.ReadableStream,
    private readonly proc: ChildProcess,
  ) {
    stream.on('data', (d: Buffer) => {
      this.text += d.toString();
      for (const w of [...this.#waiters]) {
        const m = w.re.exec(this.text);
        if (m) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
  }
  wait(re: RegExp, what: string): Promise<RegExpExecArray> {
    const m = re.exec(this.text);
    if (m) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ re, resolve });
      const t = setTimeout(
        () => reject(new Error(`timed out waiting for ${what}: ${this.text.slice(-1500)}`)),
        60_000,
      );
      t.unref();
      this.proc.once('exit', (code) =>
        reject(new Error(`exited ${code} waiting for ${what}: ${this.text.slice(-1500)}`)),
      );
    });
  }
}

function httpsJson(
  url: string,
  ca: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || 'null') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** SHA-256 fingerprint of the certificate a new TLS connection gets. */
function servedFingerprint(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.end();
    });
    s.on('error', reject);
  });
}

function doctor(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'doctor', ...args], (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

describe('TLS deployment: wss, https, HTTP-FLV over https, reload on SIGHUP, doctor --url', () => {
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-tls-'));
  let ca: TestCa;
  let caPem: Buffer;
  let certB: { cert: string; key: string; fingerprint: string };
  let expired: { cert: string; key: string; fingerprint: string };
  let server: ChildProcess;
  let out: Lines;
  let err: Lines;
  let pid = 0;
  let port = 0;
  let rtmpPort = 0;
  let appID = 0;
  let secret = '';
  let clients: ChildProcess | undefined;
  let clientOut: Lines;
  let publisher: Ffmpeg | undefined;
  let player: Player | undefined;
  const tlsCert = join(dir, 'tls-cert.pem');
  const tlsKey = join(dir, 'tls-key.pem');
  const install = (c: { cert: string; key: string }): void => {
    copyFileSync(c.key, tlsKey);
    copyFileSync(c.cert, tlsCert);
  };

  before(async () => {
    ca = makeTestCa(dir);
    caPem = (await import('node:fs')).readFileSync(ca.caFile);
    install(ca.issue('a'));
    certB = ca.issue('b');
    expired = ca.issue('old', -1);
    const cfg = join(dir, 'minirtc.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        host: '127.0.0.1',
        port: 0,
        dataDir: join(dir, 'data'),
        logLevel: 'info',
        rtmp: { port: 0, publicBase: PUBLIC_RTMP },
        tls: { cert: tlsCert, key: tlsKey },
        publicUrl: PUBLIC_HTTP,
        api: { adminKey: ADMIN },
      }),
    );
    server = spawn(process.execPath, [bin, 'start', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
    out = new Lines(server.stdout!, server);
    err = new Lines(server.stderr!, server);
    const ws = await out.wait(
      /signaling\s+wss:\/\/127\.0\.0\.1:(\d+)\/ws\s+\(public: wss:\/\/rtc\.example\.test\/ws\)/,
      'wss URL',
    );
    port = Number(ws[1]);
    rtmpPort = Number((await out.wait(/rtmp\s+rtmp:\/\/127\.0\.0\.1:(\d+)\/live/, 'rtmp port'))[1]);
    appID = Number((await out.wait(/AppID\s+(\d+)/, 'AppID'))[1]);
    secret = (await out.wait(/ServerSecret\s+([0-9a-f]{32})/, 'secret'))[1]!;
    pid = Number((await out.wait(/kill -HUP (\d+)/, 'pid'))[1]);
  });

  after(async () => {
    clients?.stdin?.end();
    await player?.kill();
    await publisher?.kill();
    if (server && server.exitCode === null) {
      const gone = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('SDK engines log in over wss:// trusting the CA; push URLs use the public RTMP base', T, async () => {
    const token = (userID: string) =>
      generateToken04({
        appID,
        userID,
        secret,
        ttlSeconds: 3600,
        payload: makeRoomPayload('tls-room', true, null),
      });
    clients = spawnWssClients(
      {
        server: `wss://localhost:${port}/ws`,
        appID,
        roomID: 'tls-room',
        streamID: 'tls-s1',
        publisher: { userID: 'alice', token: token('alice') },
        viewer: { userID: 'bob', token: token('bob') },
      },
      ca.caFile,
    );
    clientOut = new Lines(clients.stdout!, clients);
    const line = JSON.parse((await clientOut.wait(/^\{"login".*$/m, 'login'))[0]) as {
      login: boolean;
      pushUrl: string;
    };
    assert.equal(line.login, true);
    assert.ok(line.pushUrl.startsWith(`${PUBLIC_RTMP}/tls-s1?`), line.pushUrl);

    // ffmpeg pushes to the real port with the signed query of the public URL.
    const q = line.pushUrl.slice(line.pushUrl.indexOf('?'));
    publisher = publishTestPattern(`rtmp://127.0.0.1:${rtmpPort}/live/tls-s1${q}`);
    await clientOut.wait(/\{"live":\["tls-s1"\]\}/, 'stream live at the viewer');
  });

  it(
    'REST over HTTPS; its HTTP-FLV preview URL uses the public base; ffmpeg plays it over HTTPS',
    T,
    async () => {
      const r = await httpsJson(`https://localhost:${port}/api/v1/apps/${appID}/streams`, caPem, {
        authorization: `Bearer ${ADMIN}`,
      });
      assert.equal(r.status, 200);
      const s = (r.body.streams as unknown as { streamID: string; previewUrl: string | null }[]).find(
        (x) => x.streamID === 'tls-s1',
      );
      const preview = s?.previewUrl ?? '';
      assert.ok(preview.startsWith(`${PUBLIC_HTTP}/live/tls-s1.flv?`), preview || 'no preview');
      const local = preview.replace(PUBLIC_HTTP, `https://localhost:${port}`);
      player = play(local, 90, ['-tls_verify', '1', '-ca_file', ca.caFile]);
      await player.waitFrames(25, 10);
    },
  );

  it(
    'certificate replaced + SIGHUP: new connections get it, the running player keeps decoding',
    T,
    async () => {
      const before = await servedFingerprint(port, caPem);
      assert.notEqual(before.replace(/:/g, ''), certB.fingerprint.replace(/:/g, ''));
      const decoded = player!.video();
      install(certB);
      process.kill(pid, 'SIGHUP');
      await err.wait(/"reason":"signal"[^\n]*TLS certificate reloaded/, 'reload log');
      assert.equal(
        (await servedFingerprint(port, caPem)).replace(/:/g, ''),
        certB.fingerprint.replace(/:/g, ''),
      );
      await player!.waitFrames(decoded + 50);
      assert.equal(player!.proc.exitCode, null, 'the player is still running on its first connection');
    },
  );

  /** `minirtc doctor` against this TLS server, trusting the test CA. */
  const doctorTls = () =>
    doctor(['--url', `https://localhost:${port}`, '--ca', ca.caFile, '--rtmp', `127.0.0.1:${rtmpPort}`]);

  it('doctor --url reports ok against the TLS server', T, async () => {
    const r = await doctorTls();
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^ok {3}certificate chain trusted/m);
    assert.match(r.out, /^ok {3}certificate name matches localhost/m);
    assert.match(r.out, /^ok {3}certificate valid for \d+ more days/m);
    assert.match(r.out, /^ok {3}WebSocket upgrade at wss:\/\/localhost:\d+\/ws/m);
    assert.match(r.out, /^ok {3}RTMP answers/m);
    assert.match(r.out, /^ok {3}clock skew \d+ s/m);
    assert.doesNotMatch(r.out, /^(warn|FAIL)/m);
  });

  it('doctor --url reports fail for an expired certificate', T, async () => {
    install(expired);
    process.kill(pid, 'SIGHUP');
    await err.wait(/("reason":"signal"[^\n]*TLS certificate reloaded[\s\S]*){2}/, 'second reload');
    const r = await doctorTls();
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /^FAIL certificate expired on .+ {2}→ renew it/m);
  });
});

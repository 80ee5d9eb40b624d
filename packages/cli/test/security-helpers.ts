/**
 * Shared pieces of the security suite (security-*.test.ts): a MiniRTC node in-process or as a real
 * `minirtc start` child, and the canary call every attack runs against — two SDK engines logged in
 * over WebSocket, ffmpeg publishing to the signed push URL and ffmpeg decoding the pull URL — so each
 * test can show the attack failed *and* the real call kept decoding frames.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateToken04 } from '@minirtc/protocol/crypto';
import { ZegoExpressEngine } from '@minirtc/sdk';
import { EventLog, type Ffmpeg, type Player, play, publishTestPattern } from '@minirtc/testkit';
import { loadConfig } from '../src/config.js';
import { type Platform, startPlatform } from '../src/platform.js';

export const APP_ID = 515151;
export const SECRET = 'securitysuite0123456789abcdef012';
export const ADMIN_KEY = 'security-suite-admin-key-0001';

/** An in-process node on ephemeral loopback ports with `flags` (dotted config keys) on top. */
export async function startNode(flags: Record<string, string> = {}): Promise<Platform> {
  const config = loadConfig({
    flags: {
      port: '0',
      'rtmp.port': '0',
      dataDir: mkdtempSync(join(tmpdir(), 'minirtc-sec-')),
      logLevel: 'silent',
      ...flags,
    },
  });
  return startPlatform(config, { apps: [{ appID: APP_ID, serverSecret: SECRET }], adminKey: ADMIN_KEY });
}

/** A `minirtc start` child process: its URLs, dev app, admin key and pid (for RSS and kill -9). */
export interface NodeProcess {
  proc: ChildProcess;
  ws: string;
  http: string;
  rtmpPort: number;
  appID: number;
  secret: string;
  adminKey: string;
  exited: Promise<number | null>;
  /** Resident set size of the process now, bytes (from /proc). */
  rss(): number;
  stop(): Promise<void>;
}

// The CLI entry run directly (not through bin/minirtc.mjs, which is a wrapper process): the pid is the
// server's own, for its RSS and for kill -9.
const entry = new URL('../src/bin.ts', import.meta.url).pathname;

/** Starts `minirtc start` on ephemeral ports with `flags`; resolves once it printed its URLs. */
export function spawnNode(dataDir: string, flags: Record<string, string> = {}): Promise<NodeProcess> {
  const args = [
    '--conditions=source',
    '--import',
    'tsx',
    entry,
    'start',
    '--port',
    '0',
    '--rtmp.port',
    '0',
    '--dataDir',
    dataDir,
    '--logLevel',
    'warn',
  ];
  for (const [k, v] of Object.entries(flags)) args.push(`--${k}`, v);
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-8000);
    });
    const timer = setTimeout(
      () => reject(new Error(`minirtc start did not come up: ${out}\n${err}`)),
      60_000,
    );
    let up = false;
    proc.once('exit', (code) => {
      clearTimeout(timer);
      if (!up) reject(new Error(`minirtc start exited ${code}: ${out}\n${err}`));
    });
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const ws = /signaling\s+(ws:\/\/\S+)/.exec(out);
      const http = /http\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      const rtmp = /rtmp\s+rtmp:\/\/127\.0\.0\.1:(\d+)\/live/.exec(out);
      const app = /AppID\s+(\d+)/.exec(out);
      const secret = /ServerSecret\s+([0-9a-f]{32})/.exec(out);
      const admin = /admin key\s+(\S+)/.exec(out);
      if (!(ws && http && rtmp && app && secret && admin)) return;
      if (up) return;
      up = true;
      clearTimeout(timer);
      resolve({
        proc,
        ws: ws[1]!,
        http: http[1]!,
        rtmpPort: Number(rtmp[1]),
        appID: Number(app[1]),
        secret: secret[1]!,
        adminKey: admin[1]!,
        exited,
        rss: () => {
          const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
          return m ? Number(m[1]) * 1024 : 0;
        },
        stop: async () => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

/** The canary call: publisher and viewer engines, ffmpeg pushing and ffmpeg decoding. */
export interface Canary {
  publisher: ZegoExpressEngine;
  viewer: ZegoExpressEngine;
  viewerLog: EventLog;
  push: Ffmpeg;
  player: Player;
  pushUrl: string;
  pullUrl: string;
  /** Video frames decoded so far. */
  frames(): number;
  /** Waits until `n` more frames than now were decoded (the call is alive). */
  moreFrames(n: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts the canary call on `wsUrl` for `appID` and waits until its player decodes frames. */
export async function startCanary(
  wsUrl: string,
  appID: number,
  secret: string,
  roomID = 'canary-room',
): Promise<Canary> {
  const publisher = new ZegoExpressEngine(appID, wsUrl);
  const viewer = new ZegoExpressEngine(appID, wsUrl);
  const viewerLog = new EventLog(viewer, ['roomStreamUpdate']);
  const tok = (userID: string) => generateToken04({ appID, userID, secret, ttlSeconds: 3600 });
  assert.equal(await publisher.loginRoom(roomID, tok('canary-pub'), { userID: 'canary-pub' }), true);
  assert.equal(await viewer.loginRoom(roomID, tok('canary-view'), { userID: 'canary-view' }), true);
  const { url: pushUrl } = await publisher.startPublishingStream('canary_cam');
  const push = publishTestPattern(pushUrl);
  await viewerLog.wait('roomStreamUpdate', (a) => a[1] === 'ADD');
  const { url: pullUrl } = await viewer.startPlayingStream('canary_cam');
  const player = play(pullUrl, 600);
  await player.waitFrames(25);
  return {
    publisher,
    viewer,
    viewerLog,
    push,
    player,
    pushUrl,
    pullUrl,
    frames: () => player.video(),
    moreFrames: (n) => player.waitFrames(player.video() + n),
    close: async () => {
      await Promise.all([push.kill(), player.kill()]);
      publisher.destroyEngine();
      viewer.destroyEngine();
    },
  };
}

/**
 * A `minirtc start` process in a fresh data directory (`prefix` names it) with `flags`, and the canary
 * call on it, decoding: the setup of every RTMP attack test.
 */
export async function spawnNodeWithCanary(
  prefix: string,
  flags: Record<string, string> = {},
): Promise<{ node: NodeProcess; canary: Canary }> {
  const node = await spawnNode(mkdtempSync(join(tmpdir(), prefix)), flags);
  try {
    return { node, canary: await startCanary(node.ws, node.appID, node.secret) };
  } catch (e) {
    await node.stop(); // the caller never gets `node` to stop in its `after`
    throw e;
  }
}

/** Bytes as MiB with one decimal, for the figures the suite reports. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** C0 + C1 of a simple (digest-less) RTMP handshake, then C2: what any client sends first. */
export function rtmpHandshake(): Buffer {
  const c1 = Buffer.alloc(1536);
  for (let i = 8; i < 1536; i++) c1[i] = (i * 7) & 0xff;
  return Buffer.concat([Buffer.from([3]), c1, Buffer.alloc(1536, 1)]);
}

/**
 * The start of one RTMP message (an AMF0 command on chunk stream 3) declaring `declared` bytes, of
 * which only the first `send` are sent, chunked at the default 128 bytes: a message that never
 * completes, which the server must buffer until it does.
 */
export function rtmpPartialMessage(declared: number, send: number): Buffer {
  const head = Buffer.alloc(12);
  head[0] = 0x03; // fmt 0, csid 3
  head.writeUIntBE(0, 1, 3); // timestamp
  head.writeUIntBE(declared, 4, 3);
  head[7] = 20; // command (AMF0)
  head.writeUInt32LE(0, 8); // message stream 0
  const parts: Buffer[] = [head];
  for (let sent = 0; sent < send; sent += 128) {
    if (sent > 0) parts.push(Buffer.from([0xc3])); // fmt 3 continuation
    parts.push(Buffer.alloc(Math.min(128, send - sent), 0x41));
  }
  return Buffer.concat(parts);
}

/** Fetches `/metrics` and returns the refusal counts by reason. */
export async function refusals(httpUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^minirtc_security_refusals_total\{reason="([^"]+)"\} (\d+)$/gm))
    out[m[1] as string] = Number(m[2]);
  return out;
}

/** ZEGO-form signing parameters of an app-signed API call (`md5(AppId + nonce + secret + ts)`). */
export function signedQuery(appID: number, secret: string): URLSearchParams {
  const nonce = randomBytes(8).toString('hex');
  const ts = Math.floor(Date.now() / 1000);
  return new URLSearchParams({
    AppId: String(appID),
    SignatureNonce: nonce,
    Timestamp: String(ts),
    Signature: createHash('md5').update(`${appID}${nonce}${secret}${ts}`).digest('hex'),
    SignatureVersion: '2.0',
  });
}

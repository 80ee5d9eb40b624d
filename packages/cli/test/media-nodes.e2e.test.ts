/**
 * Several media nodes: one signaling node and two `minirtc media` processes registered in a real
 * redis-server. Streams are placed (least loaded, a room together), pushed and played with ffmpeg on
 * both nodes; a draining node gets no new stream while its calls go on; a node killed with SIGKILL
 * has its streams deleted after the takeover grace, and the publisher's retry lands on the other node.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateToken04 } from '@minirtc/protocol/crypto';
import { ZegoExpressEngine } from '@minirtc/sdk';
import type { MediaDirectory } from '@minirtc/server';
import {
  EventLog,
  adminApi,
  type Ffmpeg,
  type Player,
  type TestRedis,
  play,
  publishTestPattern,
  startRedis,
} from '@minirtc/testkit';
import { loadConfig } from '../src/config.js';
import { type Platform, startPlatform } from '../src/platform.js';

const appID = 626262;
const adminKey = 'media-nodes-admin-key-0123456789';
const secret = '0123456789abcdef0123456789abcdef';
const HEARTBEAT_MS = 500;
const GRACE_MS = 1500;
const binTs = new URL('../src/bin.ts', import.meta.url).pathname;

interface MediaProc {
  id: string;
  proc: ChildProcess;
  rtmpPort: number;
  flvPort: number;
  /** Everything it printed on stdout so far. */
  out(): string;
  /** Resolves when stdout matches. */
  waitOut(re: RegExp): Promise<void>;
}

let redis: TestRedis;
let platform: Platform;
let dir: MediaDirectory;
const nodes: Record<'a' | 'b', MediaProc> = {} as Record<'a' | 'b', MediaProc>;
const engines: ZegoExpressEngine[] = [];
const procs: Ffmpeg[] = [];

/** Starts `minirtc media` as its own process (not through the bin wrapper, so SIGKILL hits it). */
async function startMedia(id: string, signalingUrl: string): Promise<MediaProc> {
  const proc = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      binTs,
      'media',
      ...['--nodeId', id, '--rtmp.port', '0', '--http-port', '0', '--logLevel', 'warn'],
      ...['--dataDir', mkdtempSync(join(tmpdir(), `minirtc-${id}-`))],
      ...['--signaling-url', signalingUrl, '--state.redisUrl', redis.url],
      ...['--media.heartbeatMs', String(HEARTBEAT_MS), '--media.takeoverGraceMs', String(GRACE_MS)],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) if (w.re.test(out)) waiters.splice(waiters.indexOf(w), 1) && w.resolve();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const waitOut = (re: RegExp): Promise<void> =>
    re.test(out)
      ? Promise.resolve()
      : new Promise((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`${id}: no ${re} in\n${out}\n${err}`)), 60_000);
          waiters.push({
            re,
            resolve: () => {
              clearTimeout(t);
              resolve();
            },
          });
          proc.once('exit', (code) => reject(new Error(`${id} exited ${code}: ${out}\n${err}`)));
        });
  await waitOut(/registered in Redis/);
  const port = Number(/rtmp:\/\/127\.0\.0\.1:(\d+)\/live/.exec(out)?.[1]);
  const flvPort = Number(/HTTP-FLV on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1]);
  return { id, proc, rtmpPort: port, flvPort, out: () => out, waitOut };
}

/** Resolves once the directory's view satisfies `pred` (checked on each change it reports). */
function viewWhere(pred: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  if (pred()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      dir.off('change', check);
      reject(new Error(`timed out waiting for ${what}: ${JSON.stringify(dir.nodes())}`));
    }, timeoutMs);
    const check = (): void => {
      if (!pred()) return;
      clearTimeout(t);
      dir.off('change', check);
      resolve();
    };
    dir.on('change', check);
  });
}

async function login(roomID: string, userID: string) {
  const zg = new ZegoExpressEngine(appID, platform.server.wsUrl);
  engines.push(zg);
  const log = new EventLog(zg, ['roomStreamUpdate']);
  await zg.loginRoom(roomID, generateToken04({ appID, userID, secret, ttlSeconds: 600 }), { userID });
  return { zg, log };
}

const onNode = (url: string, n: MediaProc): boolean => url.startsWith(`rtmp://127.0.0.1:${n.rtmpPort}/live/`);
const isAdd = (id: string) => (a: unknown[]) =>
  a[1] === 'ADD' && (a[2] as { streamID: string }[]).some((s) => s.streamID === id);
const isDelete = (id: string) => (a: unknown[]) =>
  a[1] === 'DELETE' && (a[2] as { streamID: string }[]).some((s) => s.streamID === id);

describe('several media nodes: placement, drain, loss', { timeout: 180_000 }, () => {
  let ann: Awaited<ReturnType<typeof login>>;
  let ben: Awaited<ReturnType<typeof login>>;
  let cat: Awaited<ReturnType<typeof login>>;
  let dan: Awaited<ReturnType<typeof login>>;
  let catPush: Ffmpeg;
  let danPlayer: Player;

  before(async () => {
    redis = await startRedis();
    const dataDir = mkdtempSync(join(tmpdir(), 'minirtc-medianodes-'));
    platform = await startPlatform(
      loadConfig({
        flags: {
          port: '0',
          'rtmp.enabled': 'false',
          dataDir,
          logLevel: 'silent',
          nodeId: 'sig-1',
          'state.redisUrl': redis.url,
          'media.heartbeatMs': String(HEARTBEAT_MS),
          'media.takeoverGraceMs': String(GRACE_MS),
        },
      }),
      { apps: [{ appID, serverSecret: secret }], adminKey },
    );
    assert.ok(platform.mediaNodes, 'signaling reads the media registry');
    dir = platform.mediaNodes;
    const [a, b] = await Promise.all([
      startMedia('mn-a', platform.server.httpUrl),
      startMedia('mn-b', platform.server.httpUrl),
    ]);
    nodes.a = a;
    nodes.b = b;
    await viewWhere(() => dir.nodes().filter((n) => !n.gone).length === 2, 'both media nodes registered');
    // The media view's own Redis link is one of the node's readiness checks.
    const ready = (await (await fetch(`${platform.server.httpUrl}/readyz`)).json()) as {
      ready: boolean;
      checks: { name: string; ok: boolean }[];
    };
    assert.equal(ready.ready, true);
    assert.deepEqual(
      ready.checks.filter((c) => c.name.startsWith('redis')).map((c) => [c.name, c.ok]),
      [
        ['redis', true],
        ['redis-media', true],
      ],
    );
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    for (const e of engines) e.destroyEngine();
    await Promise.all(
      Object.values(nodes).map(
        (n) =>
          new Promise<void>((resolve) => {
            if (n.proc.exitCode !== null || n.proc.signalCode !== null) return resolve();
            n.proc.once('exit', () => resolve());
            n.proc.kill('SIGTERM');
          }),
      ),
    );
    await platform?.close();
    await redis?.stop(true);
  });

  it('places least loaded and a room together; push and play work on both nodes', async () => {
    ann = await login('ra', 'ann');
    ben = await login('ra', 'ben');
    cat = await login('rb', 'cat');
    dan = await login('rb', 'dan');
    // Both empty: the tie goes to the smaller id; the room's second stream follows its first even
    // though mn-b is now less loaded; another room's stream goes to the least loaded node.
    const annCam = (await ann.zg.startPublishingStream('ann_cam')).url;
    assert.ok(onNode(annCam, nodes.a), annCam);
    const annScreen = (await ann.zg.startPublishingStream('ann_screen')).url;
    assert.ok(onNode(annScreen, nodes.a), `room together: ${annScreen}`);
    const catCam = (await cat.zg.startPublishingStream('cat_cam')).url;
    assert.ok(onNode(catCam, nodes.b), `least loaded: ${catCam}`);

    const annPush = publishTestPattern(annCam);
    catPush = publishTestPattern(catCam);
    procs.push(annPush, catPush);
    await ben.log.wait('roomStreamUpdate', isAdd('ann_cam'), 30_000);
    await dan.log.wait('roomStreamUpdate', isAdd('cat_cam'), 30_000);
    const benUrl = (await ben.zg.startPlayingStream('ann_cam')).url;
    const danUrl = (await dan.zg.startPlayingStream('cat_cam')).url;
    assert.ok(onNode(benUrl, nodes.a), `play where it is: ${benUrl}`);
    assert.ok(onNode(danUrl, nodes.b), `play where it is: ${danUrl}`);
    const benPlayer = play(benUrl);
    danPlayer = play(danUrl, 120);
    procs.push(benPlayer, danPlayer);
    await Promise.all([benPlayer.waitFrames(50, 20), danPlayer.waitFrames(50, 20)]);
    // The console's preview (HTTP-FLV) is served by the node that holds the stream.
    const list = await adminApi<{
      streams: { streamID: string; previewUrl: string | null; node: string; mediaNode: string | null }[];
    }>(platform.server.httpUrl, adminKey, 'GET', `/apps/${appID}/streams`);
    const preview = list.streams.find((s) => s.streamID === 'cat_cam')?.previewUrl ?? '';
    // The lists name the signaling node of each stream and the media node holding its media.
    const byId = new Map(list.streams.map((s) => [s.streamID, [s.node, s.mediaNode]]));
    assert.deepEqual(
      [byId.get('ann_cam'), byId.get('cat_cam')],
      [
        ['sig-1', 'mn-a'],
        ['sig-1', 'mn-b'],
      ],
    );
    assert.ok(preview.startsWith(`http://127.0.0.1:${nodes.b.flvPort}/live/cat_cam.flv?`), preview);
    const watcher = play(preview);
    procs.push(watcher);
    await watcher.waitFrames(25, 10);
    await watcher.kill();
    assert.equal(dir.nodeOf(appID, 'ann_cam'), 'mn-a');
    assert.equal(dir.nodeOf(appID, 'cat_cam'), 'mn-b');
    assert.deepEqual(
      dir
        .nodes()
        .map((n) => n.id)
        .sort(),
      ['mn-a', 'mn-b'],
    );
  });

  it('a draining node (SIGUSR2) takes no new stream; its running call goes on', async () => {
    nodes.b.proc.kill('SIGUSR2');
    await nodes.b.waitOut(/draining: 1 stream/);
    await viewWhere(() => dir.nodes().some((n) => n.id === 'mn-b' && n.draining), 'mn-b draining');
    // cat's room lives on mn-b, and mn-b is the less loaded: still, the new stream goes to mn-a.
    const danCam = (await dan.zg.startPublishingStream('dan_cam')).url;
    assert.ok(onNode(danCam, nodes.a), `not on the draining node: ${danCam}`);
    const eve = await login('rc', 'eve');
    const eveCam = (await eve.zg.startPublishingStream('eve_cam')).url;
    assert.ok(onNode(eveCam, nodes.a), `not on the draining node: ${eveCam}`);
    // The running call on mn-b keeps decoding.
    const seen = danPlayer.video();
    await danPlayer.waitFrames(seen + 50);
    assert.equal(catPush.proc.exitCode, null, 'the publisher on the draining node is still up');
  });

  it('kill -9 of a media node: DELETE after the grace, the retry lands on the other node', async (t) => {
    const killedAt = Date.now();
    nodes.b.proc.kill('SIGKILL');
    await catPush.kill(); // the publisher's app sees its push fail
    const reaped = new Promise<[string, number]>((resolve) => dir.once('reaped', (...a) => resolve(a)));
    await dan.log.wait('roomStreamUpdate', isDelete('cat_cam'), 30_000);
    const waited = Date.now() - killedAt;
    t.diagnostic(
      `DELETE ${waited} ms after SIGKILL (heartbeat ${HEARTBEAT_MS} ms x3 + grace ${GRACE_MS} ms)`,
    );
    assert.ok(waited >= GRACE_MS, `DELETE came ${waited} ms after the kill, before the ${GRACE_MS} ms grace`);
    assert.deepEqual(await reaped, ['mn-b', 1]);
    assert.equal(
      dir.nodes().some((n) => n.id === 'mn-b'),
      false,
      'the dead node left the registry',
    );

    const retry = (await cat.zg.startPublishingStream('cat_cam')).url;
    assert.ok(onNode(retry, nodes.a), `republished on the surviving node: ${retry}`);
    const again = publishTestPattern(retry);
    procs.push(again);
    await dan.log.next('roomStreamUpdate', isAdd('cat_cam'), 30_000);
    const url = (await dan.zg.startPlayingStream('cat_cam')).url;
    assert.ok(onNode(url, nodes.a), url);
    const player = play(url);
    procs.push(player);
    await player.waitFrames(50, 20);
  });
});

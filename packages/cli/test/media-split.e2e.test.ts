/**
 * A split deployment: signaling with its embedded gateway turned off, and `minirtc media
 * --signaling-url` as the media node. Rooms still learn of streams; refusals still come from signaling.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateToken04 } from '@minirtc/protocol/crypto';
import type { MediaServer } from '@minirtc/rtmp';
import { ZegoExpressEngine } from '@minirtc/sdk';
import { parseArgs } from '../src/args.js';
import { loadConfig } from '../src/config.js';
import { type MediaNode, mediaCommand } from '../src/media.js';
import { startPlatform } from '../src/platform.js';
import type { Platform } from '../src/platform.js';
import { EventLog, play, publishTestPattern, type Ffmpeg } from '@minirtc/testkit';

const appID = 616161;
const secret = 'fedcba9876543210fedcba9876543210';
const quietIo = { out: () => {}, err: () => {}, env: {} };
let platform: Platform;
let media: MediaServer;
let node: MediaNode;
const engines: ZegoExpressEngine[] = [];
const procs: Ffmpeg[] = [];

async function login(userID: string) {
  const zg = new ZegoExpressEngine(appID, platform.server.wsUrl);
  engines.push(zg);
  const log = new EventLog(zg, ['roomStreamUpdate']);
  await zg.loginRoom(
    'split',
    generateToken04({ appID, userID, secret, ttlSeconds: 600 }),
    { userID },
    { userUpdate: true },
  );
  return { zg, log };
}

describe('split deployment: minirtc media --signaling-url', { timeout: 120_000 }, () => {
  before(async () => {
    // Signaling first on an ephemeral port, then the gateway pointed at it, then tell signaling where media is.
    const dataDir = mkdtempSync(join(tmpdir(), 'minirtc-split-'));
    platform = await startPlatform(
      loadConfig({ flags: { port: '0', 'rtmp.enabled': 'false', dataDir, logLevel: 'silent' } }),
      { apps: [{ appID, serverSecret: secret }] },
    );
    assert.equal(platform.media, undefined, 'no embedded gateway');
    node = await mediaCommand(
      parseArgs([
        'media',
        '--rtmp.port',
        '0',
        '--dataDir',
        dataDir,
        '--logLevel',
        'silent',
        '--signaling-url',
        platform.server.httpUrl,
      ]),
      quietIo,
    );
    media = node.server;
    // As an operator would set rtmp.publicBase for signaling (here only known once the gateway listens).
    platform.config.rtmp.publicBase = `rtmp://127.0.0.1:${media.rtmpPort}/live`;
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    for (const e of engines) e.destroyEngine();
    await node.close();
    await platform.close();
  });

  it('publishes through the separate gateway, the room hears ADD and DELETE, playback works', async () => {
    const pub = await login('ann');
    const viewer = await login('ben');
    const { url } = await pub.zg.startPublishingStream('ann_cam');
    assert.ok(url.includes(`:${media.rtmpPort}/live/ann_cam?`), url);
    const ff = publishTestPattern(url);
    procs.push(ff);
    await viewer.log.wait('roomStreamUpdate', (a) => a[1] === 'ADD');
    const player = play((await viewer.zg.startPlayingStream('ann_cam')).url);
    procs.push(player);
    await player.waitFrames(50, 10);
    await ff.kill();
    // A killed publisher goes into the takeover grace; stopping it through signaling ends it for good.
    pub.zg.stopPublishingStream('ann_cam');
    await viewer.log.wait('roomStreamUpdate', (a) => a[1] === 'DELETE');
  });

  it('signaling refuses a tampered URL at the separate gateway', async () => {
    const pub = await login('cat');
    const { url } = await pub.zg.startPublishingStream('cat_cam');
    const bad = new URL(url);
    bad.searchParams.set('uid', 'someone-else');
    const ff = publishTestPattern(bad.toString());
    procs.push(ff);
    assert.notEqual(await ff.exited, 0);
    assert.equal(media.streams().filter((s) => s.stream === 'cat_cam').length, 0);
  });
});

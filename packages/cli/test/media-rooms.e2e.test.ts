/**
 * Issue 3 acceptance, through the whole platform: SDK engines in Node log in over real WebSockets,
 * ffmpeg publishes to the signed URL the SDK returns, and ffmpeg plays it back over RTMP and HTTP-FLV.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateToken04, signStreamUrl, streamSigningKey } from '@minirtc/protocol/crypto';
import { ZegoExpressEngine } from '@minirtc/sdk';
import { loadConfig } from '../src/config.js';
import { startPlatform } from '../src/platform.js';
import type { Platform } from '../src/platform.js';
import { EventLog, play, publishTestPattern, type Ffmpeg } from '@minirtc/testkit';

const appID = 424242;
const secret = 'abcdefabcdefabcdefabcdefabcdef12';
const key = streamSigningKey(secret);
const events = [
  'roomStreamUpdate',
  'roomUserUpdate',
  'roomStateUpdate',
  'IMRecvBroadcastMessage',
  'playerStateUpdate',
  'publisherStateUpdate',
];

let platform: Platform;
const engines: ZegoExpressEngine[] = [];
const procs: Ffmpeg[] = [];

async function engineFor(userID: string, roomID: string): Promise<{ zg: ZegoExpressEngine; log: EventLog }> {
  const zg = new ZegoExpressEngine(appID, platform.server.wsUrl);
  engines.push(zg);
  const log = new EventLog(zg, events);
  const token = generateToken04({ appID, userID, secret, ttlSeconds: 600 });
  assert.equal(await zg.loginRoom(roomID, token, { userID, userName: userID }, { userUpdate: true }), true);
  return { zg, log };
}

function flvUrlOf(rtmpUrl: string): string {
  const u = new URL(rtmpUrl);
  return `${platform.server.httpUrl}${u.pathname}.flv${u.search}`;
}

const streamIDs = (args: unknown[]) => (args[2] as { streamID: string }[]).map((s) => s.streamID);

describe('media through rooms (ffmpeg ↔ gateway ↔ signaling ↔ SDK)', { timeout: 180_000 }, () => {
  before(async () => {
    const config = loadConfig({
      flags: {
        port: '0',
        'rtmp.port': '0',
        dataDir: mkdtempSync(join(tmpdir(), 'minirtc-e2e-')),
        logLevel: 'silent',
      },
    });
    platform = await startPlatform(config, { apps: [{ appID, serverSecret: secret }] });
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    for (const e of engines) e.destroyEngine();
    await platform.close();
  });

  it('a stream enters the room only once its media flows, plays over RTMP and HTTP-FLV, and leaves on stop', async () => {
    const pub = await engineFor('alice', 'room1');
    const viewer = await engineFor('bob', 'room1');
    const { url } = await pub.zg.startPublishingStream('alice_main');
    assert.match(url, /^rtmp:\/\/127\.0\.0\.1:\d+\/live\/alice_main\?/);

    // Prove bob is in sync with the server before media starts: a broadcast sent after the reservation
    // arrives after anything the reservation could have caused, so no ADD may precede it.
    await pub.zg.sendBroadcastMessage('room1', 'sync-1');
    await viewer.log.wait('IMRecvBroadcastMessage');
    assert.equal(viewer.log.of('roomStreamUpdate').length, 0, 'no ADD before media');

    const ffPub = publishTestPattern(url);
    procs.push(ffPub);
    const add = await viewer.log.wait('roomStreamUpdate', (a) => a[1] === 'ADD');
    assert.deepEqual(streamIDs(add), ['alice_main']);
    const live = platform.media!.streams().find((s) => s.key === `${appID}/alice_main`);
    assert.ok(live, 'gateway holds the stream when the room hears of it');
    assert.ok(live.bytesIn > 0, 'media has arrived by the time the room hears of the stream');
    assert.equal(pub.log.of('roomStreamUpdate').length, 0, 'the publisher never hears of its own stream');

    const { url: pullUrl } = await viewer.zg.startPlayingStream('alice_main');
    const rtmpPlayer = play(pullUrl);
    const flvPlayer = play(flvUrlOf(pullUrl));
    procs.push(rtmpPlayer, flvPlayer);
    await Promise.all([rtmpPlayer.waitFrames(50, 20), flvPlayer.waitFrames(50, 20)]);
    assert.ok(rtmpPlayer.audio() > 0 && flvPlayer.audio() > 0, 'audio present');

    await ffPub.kill();
    pub.zg.stopPublishingStream('alice_main');
    const del = await viewer.log.wait('roomStreamUpdate', (a) => a[1] === 'DELETE');
    assert.deepEqual(streamIDs(del), ['alice_main']);
    await Promise.all([rtmpPlayer.exited, flvPlayer.exited]);
  });

  it('refuses bad, expired, foreign and other-room URLs before any media flows', async () => {
    const owner = await engineFor('carol', 'room2');
    const other = await engineFor('dave', 'room2');
    const outsider = await engineFor('erin', 'room3');
    const { url } = await owner.zg.startPublishingStream('carol_cam');
    const u = new URL(url);
    const q = Object.fromEntries(u.searchParams);
    const base = `${u.protocol}//${u.host}/live`;
    const now = Math.floor(Date.now() / 1000);
    const grant = {
      appID,
      roomID: 'room2',
      streamID: 'carol_cam',
      action: 'push' as const,
      userID: 'carol',
      sessionID: q.sid!,
      expire: now + 600,
    };

    const bad = new URL(url);
    bad.searchParams.set('sig', `${q.sig!.slice(0, -2)}AA`);
    const expired = signStreamUrl(base, { ...grant, expire: now - 1 }, key);
    const foreign = signStreamUrl(base, { ...grant, userID: 'dave', sessionID: 'x' }, key);
    for (const attempt of [bad.toString(), expired, foreign]) {
      const f = publishTestPattern(attempt);
      procs.push(f);
      assert.notEqual(await f.exited, 0, `publish must fail: ${attempt}`);
    }
    assert.equal(platform.media!.streams().filter((s) => s.key === `${appID}/carol_cam`).length, 0);
    assert.equal(other.log.of('roomStreamUpdate').length, 0);

    // Signaling refuses another user's streamID outright.
    await assert.rejects(
      other.zg.startPublishingStream('carol_cam'),
      (e: { code: number }) => e.code === 1003028,
    );

    // Play from outside the room: refused by signaling and, with a forged-but-signed URL, by the gateway.
    const ffPub = publishTestPattern(url);
    procs.push(ffPub);
    await other.log.wait('roomStreamUpdate', (a) => a[1] === 'ADD');
    await assert.rejects(
      outsider.zg.startPlayingStream('carol_cam'),
      (e: { code: number }) => e.code === 1990040,
    );
    const sid = new URL((await other.zg.startPlayingStream('carol_cam')).url).searchParams.get('sid')!;
    const forged = signStreamUrl(
      base,
      { ...grant, action: 'play', roomID: 'room3', userID: 'erin', sessionID: sid },
      key,
    );
    const p = play(forged, 5);
    procs.push(p);
    await p.exited;
    assert.equal(p.video(), 0, 'no media to a player outside the room');
    await ffPub.kill();
  });

  it('publisher takeover within the grace window: no DELETE/ADD, the player keeps receiving', async () => {
    const pub = await engineFor('frank', 'room4');
    const viewer = await engineFor('gina', 'room4');
    const { url } = await pub.zg.startPublishingStream('frank_cam');
    const first = publishTestPattern(url);
    procs.push(first);
    await viewer.log.wait('roomStreamUpdate', (a) => a[1] === 'ADD');
    const { url: pullUrl } = await viewer.zg.startPlayingStream('frank_cam');
    const player = play(pullUrl, 120);
    procs.push(player);
    await player.waitFrames(25);

    await first.kill(); // the device's push dies abruptly
    const before = player.video();
    const second = publishTestPattern(url); // <rtc-room> reconnects with the same URL
    procs.push(second);
    await player.waitFrames(before + 50);
    assert.equal(viewer.log.of('roomStreamUpdate').filter((a) => a[1] === 'DELETE').length, 0, 'no DELETE');
    assert.equal(viewer.log.of('roomStreamUpdate').filter((a) => a[1] === 'ADD').length, 1, 'no second ADD');
    await second.kill();
    await player.kill();
  });
});

/**
 * Scale-out with real processes on loopback: a real redis-server and PostgreSQL, two signaling nodes (`minirtc start
 * --state.redisUrl`), nginx as the load balancer in front of them, two media nodes (`minirtc media`
 * registered in Redis), SDK engines and ffmpeg. User A comes through the balancer (node 1), user B
 * straight to node 2: they share a room, exchange every message kind and play each other's streams.
 * Then the media node holding the call is killed (SIGKILL): its streams get DELETE after the grace,
 * republishing lands on the other media node and both play again. Then signaling node 1 is killed:
 * A's SDK comes back through the balancer on node 2 within the grace window, B sees no user or
 * stream flap, and the media keeps flowing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateToken04 } from '@minirtc/protocol/crypto';
import { connectRedis } from '@minirtc/server';
import { ZegoExpressEngine } from '@minirtc/sdk';
import {
  EventLog,
  type Ffmpeg,
  type Player,
  type TestPostgres,
  type TestRedis,
  play,
  publishTestPattern,
  startPostgres,
  startRedis,
  until,
} from '@minirtc/testkit';
import { type MinirtcProc, type NginxLb, startMinirtc, startNginxLb } from './helpers/cluster-procs.js';

const ROOM = 'cluster-call';
const MEDIA_HEARTBEAT_MS = 500;
const MEDIA_GRACE_MS = 1500;

const EVENTS = [
  'roomStateChanged',
  'roomUserUpdate',
  'roomStreamUpdate',
  'IMRecvBroadcastMessage',
  'IMRecvBarrageMessage',
  'IMRecvCustomCommand',
  'roomExtraInfoUpdate',
  'streamExtraInfoUpdate',
];

describe('two signaling nodes on Redis, a media node, nginx in front', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-cluster-'));
  let redis: TestRedis;
  let pg: TestPostgres;
  let dbUrl = '';
  let lb: NginxLb;
  let n1: MinirtcProc;
  let n2: MinirtcProc;
  const media: Record<string, { p: MinirtcProc; port: number }> = {};
  let n2Ws = '';
  let appID = 0;
  let secret = '';
  const engines: ZegoExpressEngine[] = [];
  const procs: Ffmpeg[] = [];
  let a: { zg: ZegoExpressEngine; log: EventLog };
  let b: { zg: ZegoExpressEngine; log: EventLog };
  let bPlaysA: Player;
  let aPlaysB: Player;
  let holder = '';

  /** Publishes, retrying while the signaling node has not yet seen a media node register. */
  const publish = async (zg: ZegoExpressEngine, streamID: string): Promise<string> => {
    for (let i = 0; ; i++) {
      try {
        return (await zg.startPublishingStream(streamID)).url;
      } catch (e) {
        if (i >= 20 || (e as { code?: number }).code !== 1990095) throw e;
        await new Promise((res) => setTimeout(res, 250));
      }
    }
  };

  const signaling = async (nodeId: string, dataDir: string) => {
    const { p, matches } = await startMinirtc(
      [
        'start',
        ...['--port', '0', '--dataDir', dataDir, '--logLevel', 'warn', '--nodeId', nodeId],
        ...['--state.redisUrl', redis.url, '--db.url', dbUrl, '--rtmp.enabled', 'false'],
        ...[
          '--media.heartbeatMs',
          String(MEDIA_HEARTBEAT_MS),
          '--media.takeoverGraceMs',
          String(MEDIA_GRACE_MS),
        ],
        ...['--signaling.resumeGraceMs', '20000', '--recording.enabled', 'false'],
      ],
      [/signaling\s+ws:\/\/127\.0\.0\.1:(\d+)\/ws/, /AppID\s+(\d+)/, /ServerSecret\s+([0-9a-f]{32})/],
    );
    return {
      p,
      port: Number(matches[0]?.[1]),
      appID: Number(matches[1]?.[1]),
      secret: matches[2]?.[1] ?? '',
    };
  };

  const join_ = async (server: string, userID: string) => {
    const zg = new ZegoExpressEngine(appID, server);
    engines.push(zg);
    const log = new EventLog(zg, EVENTS);
    const token = generateToken04({ appID, userID, secret, ttlSeconds: 3600 });
    assert.equal(await zg.loginRoom(ROOM, token, { userID, userName: userID }, { userUpdate: true }), true);
    return { zg, log };
  };

  before(async () => {
    [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
    dbUrl = pg.createDatabase('minirtc_cluster');
    const d1 = join(dir, 'n1');
    const d2 = join(dir, 'n2');
    const first = await signaling('n1', d1);
    n1 = first.p;
    appID = first.appID;
    secret = first.secret;
    // Node 1's dev app is in the shared database: node 2 serves it too.
    const second = await signaling('n2', d2);
    n2 = second.p;
    n2Ws = `ws://127.0.0.1:${second.port}/ws`;
    lb = await startNginxLb(join(dir, 'nginx'), [`127.0.0.1:${first.port}`, `127.0.0.1:${second.port}`]);
    // Media nodes report to signaling through the balancer, so they reach a live node.
    for (const id of ['m1', 'm2']) {
      const { p, matches } = await startMinirtc(
        [
          'media',
          ...['--nodeId', id, '--rtmp.port', '0', '--dataDir', join(dir, id), '--logLevel', 'warn'],
          ...['--signaling-url', lb.url, '--state.redisUrl', redis.url],
          ...[
            '--media.heartbeatMs',
            String(MEDIA_HEARTBEAT_MS),
            '--media.takeoverGraceMs',
            String(MEDIA_GRACE_MS),
          ],
        ],
        [/media gateway: rtmp:\/\/127\.0\.0\.1:(\d+)\/live/],
      );
      media[id] = { p, port: Number(matches[0]?.[1]) };
    }
    const r = connectRedis(redis.url, 'test-setup');
    try {
      await until(async () => (await r.exists('minirtc:media:node:m1', 'minirtc:media:node:m2')) === 2);
    } finally {
      r.disconnect();
    }
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    for (const e of engines) e.destroyEngine();
    await Promise.all([n1, n2, ...Object.values(media).map((m) => m.p)].map((p) => p?.kill('SIGKILL')));
    await lb?.stop();
    await redis?.stop();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('A on node 1 (through the balancer) and B on node 2 share a room: messages and media both ways', async () => {
    a = await join_(`ws://127.0.0.1:${lb.port}/ws`, 'userA');
    b = await join_(n2Ws, 'userB');
    await a.log.wait('roomUserUpdate', (x) => x[1] === 'ADD' && JSON.stringify(x[2]).includes('userB'));
    await b.log.wait('roomUserUpdate', (x) => x[1] === 'ADD' && JSON.stringify(x[2]).includes('userA'));

    await a.zg.sendBroadcastMessage(ROOM, 'broadcast from A');
    assert.match(JSON.stringify(await b.log.wait('IMRecvBroadcastMessage')), /broadcast from A/);
    await b.zg.sendBarrageMessage(ROOM, 'barrage from B');
    assert.match(JSON.stringify(await a.log.wait('IMRecvBarrageMessage')), /barrage from B/);
    await a.zg.sendCustomCommand(ROOM, 'command for B', ['userB']);
    assert.match(JSON.stringify(await b.log.wait('IMRecvCustomCommand')), /command for B/);
    await b.zg.setRoomExtraInfo(ROOM, 'topic', 'scale-out');
    assert.match(JSON.stringify(await a.log.wait('roomExtraInfoUpdate')), /scale-out/);

    const pubA = await publish(a.zg, 'a_cam');
    procs.push(publishTestPattern(pubA));
    const pubB = await publish(b.zg, 'b_cam');
    procs.push(publishTestPattern(pubB));
    // Placed on one media node (a room's streams together), whichever it is.
    holder = Object.keys(media).find((id) => pubA.includes(`:${media[id]?.port}/live/`)) ?? '';
    assert.ok(holder, pubA);
    assert.ok(pubB.includes(`:${media[holder]?.port}/live/`), `b_cam with a_cam: ${pubB}`);
    await b.log.wait('roomStreamUpdate', (x) => x[1] === 'ADD' && JSON.stringify(x[2]).includes('a_cam'));
    await a.log.wait('roomStreamUpdate', (x) => x[1] === 'ADD' && JSON.stringify(x[2]).includes('b_cam'));
    await a.zg.setStreamExtraInfo('a_cam', 'camera A');
    assert.match(JSON.stringify(await b.log.wait('streamExtraInfoUpdate')), /camera A/);

    bPlaysA = play((await b.zg.startPlayingStream('a_cam')).url, 120);
    aPlaysB = play((await a.zg.startPlayingStream('b_cam')).url, 120);
    procs.push(bPlaysA, aPlaysB);
    await Promise.all([bPlaysA.waitFrames(25, 10), aPlaysB.waitFrames(25, 10)]);
  });

  it('kill -9 of the media node holding the call: DELETE after the grace, republished on the other, played again', async () => {
    await media[holder]?.p.kill('SIGKILL');
    await Promise.all([bPlaysA.kill(), aPlaysB.kill(), ...procs.splice(0).map((p) => p.kill())]);
    await b.log.next('roomStreamUpdate', (x) => x[1] === 'DELETE' && JSON.stringify(x[2]).includes('a_cam'));
    await a.log.wait('roomStreamUpdate', (x) => x[1] === 'DELETE' && JSON.stringify(x[2]).includes('b_cam'));
    const other = Object.keys(media).find((id) => id !== holder) ?? '';
    const again = async (u: { zg: ZegoExpressEngine }, streamID: string) => {
      u.zg.stopPublishingStream(streamID);
      const url = await publish(u.zg, streamID);
      assert.ok(url.includes(`:${media[other]?.port}/live/`), `${streamID} moved to ${other}: ${url}`);
      procs.push(publishTestPattern(url));
    };
    const added = b.log.next(
      'roomStreamUpdate',
      (x) => x[1] === 'ADD' && JSON.stringify(x[2]).includes('a_cam'),
    );
    await again(a, 'a_cam');
    await again(b, 'b_cam');
    await added;
    bPlaysA = play((await b.zg.startPlayingStream('a_cam')).url, 120);
    aPlaysB = play((await a.zg.startPlayingStream('b_cam')).url, 120);
    procs.push(bPlaysA, aPlaysB);
    await Promise.all([bPlaysA.waitFrames(25, 10), aPlaysB.waitFrames(25, 10)]);
    holder = other;
  });

  it('kill -9 of node 1: A comes back on node 2 within grace, B sees no flap, media keeps flowing', async () => {
    const seenBefore = b.log.entries.length;
    const framesBefore = bPlaysA.video();
    await n1.kill('SIGKILL');
    await a.log.next('roomStateChanged', (x) => x[1] === 'RECONNECTED', 30_000);
    // A marker from A after its comeback: whatever B got before it is what the crash showed B.
    await a.zg.sendBroadcastMessage(ROOM, 'A is back');
    await b.log.wait('IMRecvBroadcastMessage', (x) => JSON.stringify(x).includes('A is back'));
    const flaps = b.log.entries
      .slice(seenBefore)
      .filter((e) => e.name === 'roomUserUpdate' || e.name === 'roomStreamUpdate');
    assert.deepEqual(flaps, [], 'B saw no user or stream change');
    // Node 2 has declared node 1 dead by now or soon: once it has, and nothing of node 1 is left
    // waiting for its grace to end, no late DELETE can come either.
    const r = connectRedis(redis.url, 'test');
    try {
      await until(async () => (await r.exists('minirtc:sig:reap:n1')) === 1);
      await until(async () => (await r.zcard('minirtc:sig:orphans')) === 0);
      const members = await r.hgetall(`minirtc:sig:room:{${appID}:${ROOM}}:members`);
      assert.deepEqual(Object.keys(members).sort(), ['userA', 'userB']);
      assert.equal(JSON.parse(members.userA ?? '{}').node, 'n2', 'A is held by node 2 now');
    } finally {
      r.disconnect();
    }
    // Media never went through node 1: both players keep decoding.
    await Promise.all([
      bPlaysA.waitFrames(framesBefore + 50, 10),
      aPlaysB.waitFrames(aPlaysB.video() + 50, 10),
    ]);
    // And A is a full member on node 2: B still gets what A sends, A what B sends.
    await b.zg.sendCustomCommand(ROOM, 'still there?', ['userA']);
    assert.match(JSON.stringify(await a.log.wait('IMRecvCustomCommand')), /still there/);
  });
});

/**
 * Issue 15 acceptance (mixing): three publishers in a room, a mix task started through the REST API,
 * its output a normal stream of the room that a member plays with frames decoded; one input stops and
 * the mix goes on (its tile turns black) without restarting. Group mixing keeps a member's mix through
 * the others' re-pushes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { generateToken04 } from '@minirtc/protocol/crypto';
import { ZegoExpressEngine } from '@minirtc/sdk';
import type { MixTaskView } from '@minirtc/server';
import { RtmpEventCode, Simulator } from '@minirtc/simulator';
import { EventLog, type Ffmpeg, adminApi, publishPattern, until } from '@minirtc/testkit';
import { loadConfig } from '../src/config.js';
import { type Platform, startPlatform } from '../src/platform.js';

const appID = 626262;
const secret = 'fedcba9876543210fedcba9876543210';
const adminKey = 'mixing-e2e-admin-key-0000000000000';
const ROOM = 'group-1';
/** The simulator's test mini-program: its page plays `globalData.pullUrl` in an <rtc-room> on 拉流. */
const MINI_APP = fileURLToPath(new URL('../../simulator/test/fixtures/mini-app', import.meta.url));

const engines: ZegoExpressEngine[] = [];
const procs: Ffmpeg[] = [];
const sims: Simulator[] = [];

async function login(
  platform: Platform,
  userID: string,
  roomID = ROOM,
): Promise<{ zg: ZegoExpressEngine; log: EventLog }> {
  const zg = new ZegoExpressEngine(appID, platform.server.wsUrl, {
    log: { logLevel: 'disable', remoteLogLevel: 'disable' },
  });
  engines.push(zg);
  const log = new EventLog(zg, ['roomStreamUpdate']);
  const token = generateToken04({ appID, userID, secret, ttlSeconds: 600 });
  assert.equal(await zg.loginRoom(roomID, token, { userID, userName: userID }), true);
  return { zg, log };
}

/** A small live publisher (160×120, 15 fps, tone) until killed: keeps the shared CPU load low. */
function publishSmall(url: string, hz: number): Ffmpeg {
  const f = publishPattern(url, { size: '160x120', rate: 15, hz, audioBitrate: '32k', loglevel: 'error' });
  procs.push(f);
  return f;
}

function api<T>(platform: Platform, method: string, path: string, body?: unknown): Promise<T> {
  return adminApi<T>(platform.server.httpUrl, adminKey, method, path, body);
}

/** Stops a publisher as a remounted `<rtc-room>` does: SIGINT, so ffmpeg unpublishes properly. */
async function unpublish(f: Ffmpeg): Promise<void> {
  f.proc.kill('SIGINT');
  await f.exited;
}

const ids = (a: unknown[]): string[] => (a[2] as { streamID: string }[]).map((s) => s.streamID);

describe('stream mixing (REST → ffmpeg filter graph → a stream of the room)', { timeout: 170_000 }, () => {
  let platform: Platform;

  before(async () => {
    const config = loadConfig({
      flags: {
        port: '0',
        'rtmp.port': '0',
        dataDir: mkdtempSync(join(tmpdir(), 'minirtc-mix-e2e-')),
        logLevel: 'silent',
        // Group mixing for the second test's room only (ROOM does not start with it).
        'mixing.groupRoomPrefixes': 'grp-',
      },
    });
    platform = await startPlatform(config, { apps: [{ appID, serverSecret: secret }], adminKey });
  });

  after(async () => {
    await Promise.all(sims.map((s) => s.close()));
    await Promise.all(procs.map((p) => p.kill()));
    for (const e of engines) e.destroyEngine();
    await platform?.close();
  });

  it('mixes three inputs into a stream the room plays, and goes on when one input stops', async () => {
    const viewer = await login(platform, 'viewer');
    const pubs: Ffmpeg[] = [];
    for (const [k, user] of ['u1', 'u2', 'u3'].entries()) {
      const { zg } = await login(platform, user);
      const { url } = await zg.startPublishingStream(`${user}_cam`);
      pubs.push(publishSmall(url, 300 + k * 200));
    }
    await viewer.log.wait(
      'roomStreamUpdate',
      () => viewer.log.of('roomStreamUpdate').flatMap(ids).length >= 3,
      45_000,
    );

    const task = await api<MixTaskView>(platform, 'POST', `/apps/${appID}/mix-tasks`, {
      taskID: 'mix1',
      inputs: [{ streamID: 'u1_cam' }, { streamID: 'u2_cam' }, { streamID: 'u3_cam' }],
      outputStreamID: 'mix_out',
      width: 320,
      height: 180,
      fps: 15,
      videoBitrate: 300_000,
    });
    assert.equal(task.roomID, ROOM);
    assert.deepEqual(
      task.inputs.map((i) => i.rect),
      [
        { left: 0, top: 0, right: 160, bottom: 90 },
        { left: 160, top: 0, right: 320, bottom: 90 },
        { left: 0, top: 90, right: 160, bottom: 180 },
      ],
      'automatic 2×2 grid',
    );

    // The mix is a normal stream: the room hears of it once its media flows, and a member plays it.
    const add = await viewer.log.wait(
      'roomStreamUpdate',
      (a) => a[1] === 'ADD' && ids(a).includes('mix_out'),
      45_000,
    );
    assert.equal((add[2] as { user: { userID: string } }[])[0]?.user.userID, '~mix');
    const listed = await api<{ streams: { streamID: string }[] }>(
      platform,
      'GET',
      `/apps/${appID}/rooms/${ROOM}`,
    );
    assert.ok(
      listed.streams.some((s) => s.streamID === 'mix_out'),
      'listed in the room',
    );
    // Played in a simulated <rtc-room> (ffmpeg under the simulator's device model), frames decoded.
    const { url } = await viewer.zg.startPlayingStream('mix_out');
    const sim = await Simulator.load(MINI_APP, { name: 'viewer', globalData: { pullUrl: url } });
    sims.push(sim);
    const playing = sim.waitFor('rtmpEvent', (e) => e.code === RtmpEventCode.PLAY_SUCCEEDED);
    const first = sim.waitFor('firstRender');
    sim.page.tap('拉流');
    await playing;
    const room = sim.rtcRoom((await first).id);
    assert.ok(room);
    const frames = (): { v: number; a: number } => ({
      v: room.stats.pull?.videoFrames ?? 0,
      a: room.stats.pull?.audioFrames ?? 0,
    });
    const decoded = (v: number, a: number) =>
      sim.waitUntil(() => frames().v >= v && frames().a >= a, { timeoutMs: 60_000 });
    await decoded(30, 20);
    const running = await api<MixTaskView>(platform, 'GET', `/apps/${appID}/mix-tasks/mix1`);
    assert.equal(running.state, 'running');
    assert.ok(running.inputs.every((i) => i.live));

    // One input stops: the mix keeps playing (the same ffmpeg, no restart) while the gateway holds the
    // vanished publisher's stream for its takeover grace, and after the room is told it is gone.
    await (pubs[1] as Ffmpeg).kill();
    await decoded(frames().v + 60, frames().a + 40);
    // The gateway holds a vanished publisher's stream for its 30 s takeover grace before the DELETE.
    await viewer.log.wait('roomStreamUpdate', (a) => a[1] === 'DELETE' && ids(a).includes('u2_cam'), 60_000);
    await decoded(frames().v + 30, frames().a + 20);
    const after1 = await api<MixTaskView>(platform, 'GET', `/apps/${appID}/mix-tasks/mix1`);
    assert.equal(after1.state, 'running');
    assert.equal(after1.starts, 1, 'the mix was not restarted');
    assert.deepEqual(
      after1.inputs.map((i) => i.live),
      [true, false, true],
    );
    assert.ok(after1.cpuSeconds > 0, 'CPU time is accounted');
    const metrics = await (await fetch(`${platform.server.httpUrl}/metrics`)).text();
    assert.match(metrics, /minirtc_mixes_active 1/);
    assert.match(metrics, /minirtc_mix_cpu_seconds\{app="626262",task="mix1"\} [\d.]+/);

    // Stop: the output leaves the room.
    await api(platform, 'POST', `/apps/${appID}/mix-tasks/mix1/stop`);
    await viewer.log.wait('roomStreamUpdate', (a) => a[1] === 'DELETE' && ids(a).includes('mix_out'), 30_000);
  });

  // Group mixing (a mix per member of everyone else) keeps a member's mix through the others' re-pushes:
  // an app changes a URL by remounting its <rtc-room>, which re-pushes its camera. The mix's inputs stay
  // (black tiles for the gap), the output never leaves the room, and the mixer takes each stream in again.
  it("keeps a member's mix when every other member re-pushes at once", async () => {
    const users = ['ann', 'ben', 'cat'];
    const members = new Map<string, { zg: ZegoExpressEngine; log: EventLog; url: string }>();
    for (const userID of users) {
      const { zg, log } = await login(platform, userID, 'grp-1');
      const { url } = await zg.startPublishingStream(`${userID}_cam`);
      members.set(userID, { zg, log, url });
    }
    const pubs = new Map(users.map((u, k) => [u, publishSmall(members.get(u)!.url, 300 + 200 * k)]));
    const ann = members.get('ann')!;
    const task = (): Promise<MixTaskView> =>
      adminApi<MixTaskView>(
        platform.server.httpUrl,
        adminKey,
        'GET',
        `/apps/${appID}/mix-tasks/group.mix_ann`,
      );
    const allLive = async (): Promise<boolean> => {
      const t = await task().catch(() => null);
      return t !== null && t.state === 'running' && t.inputs.length === 2 && t.inputs.every((i) => i.live);
    };

    // Ann's mix of Ben and Cat is listed in the room once its media flows.
    await ann.log.wait('roomStreamUpdate', (a) => a[1] === 'ADD' && ids(a).includes('mix_ann'), 60_000);
    await until(allLive, "ann's mix pulling both inputs", 60_000);
    const spawnedBefore = (await task()).starts;

    // Ben and Cat both remount: their cameras leave the list together, then come back on the same URLs.
    await Promise.all([unpublish(pubs.get('ben')!), unpublish(pubs.get('cat')!)]);
    await ann.log.wait(
      'roomStreamUpdate',
      () => {
        const gone = ann.log
          .of('roomStreamUpdate')
          .filter((a) => a[1] === 'DELETE')
          .flatMap(ids);
        return gone.includes('ben_cam') && gone.includes('cat_cam');
      },
      30_000,
    );
    const between = await task();
    assert.deepEqual(
      between.inputs.map((i) => [i.streamID, i.live]),
      [
        ['ben_cam', false],
        ['cat_cam', false],
      ],
      'the task keeps both inputs (black tiles) while neither is live',
    );
    pubs.set('ben', publishSmall(members.get('ben')!.url, 500));
    pubs.set('cat', publishSmall(members.get('cat')!.url, 700));
    // The mixer takes a re-pushed stream in by replacing its process (the successor starts once the old
    // one has exited): wait for a start after the gap with both inputs live; none within the bound fails.
    await until(
      async () => (await allLive()) && (await task()).starts > spawnedBefore,
      'a new mix process taking both re-pushed inputs in',
      60_000,
    );

    const mixUpdates = ann.log.of('roomStreamUpdate').filter((a) => ids(a).includes('mix_ann'));
    assert.deepEqual(
      mixUpdates.map((a) => a[1]),
      ['ADD'],
      "ann's mix never left the room",
    );
  });
});

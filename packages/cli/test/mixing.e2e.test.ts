/**
 * Issue 15 acceptance (mixing): three publishers in a room, a mix task started through the REST API,
 * its output a normal stream of the room that a member plays with frames decoded; one input stops and
 * the mix goes on (its tile turns black) without restarting.
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
import { EventLog, type Ffmpeg, adminApi, publishPattern } from '@minirtc/testkit';
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

async function login(platform: Platform, userID: string): Promise<{ zg: ZegoExpressEngine; log: EventLog }> {
  const zg = new ZegoExpressEngine(appID, platform.server.wsUrl, {
    log: { logLevel: 'disable', remoteLogLevel: 'disable' },
  });
  engines.push(zg);
  const log = new EventLog(zg, ['roomStreamUpdate']);
  const token = generateToken04({ appID, userID, secret, ttlSeconds: 600 });
  assert.equal(await zg.loginRoom(ROOM, token, { userID, userName: userID }), true);
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
});

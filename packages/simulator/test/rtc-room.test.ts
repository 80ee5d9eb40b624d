import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RtmpEventCode, Simulator } from '../src/index.js';

const APP = fileURLToPath(new URL('./fixtures/mini-app', import.meta.url));
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

// The media gateway of packages/rtmp, loaded by name at run time so that this package's typecheck does
// not depend on another package's work in progress; only the facade below is used.
interface MediaServerLike {
  rtmpPort: number;
  listen(): Promise<void>;
  closeStream(key: string, reason?: string): boolean;
  close(): Promise<void>;
  on(name: 'publishStart' | 'publishStop' | 'playStart', cb: (info: { key?: string }) => void): unknown;
}
const RTMP_PACKAGE = '@minirtc/rtmp';
let MediaServer: new (o: object) => MediaServerLike;

let ms: MediaServerLike;
const sims: Simulator[] = [];
const publishes: unknown[] = [];

before(async () => {
  const mod = (await import(RTMP_PACKAGE)) as { MediaServer: new (o: object) => MediaServerLike };
  MediaServer = mod.MediaServer;
  ms = new MediaServer({ rtmpPort: 0 });
  ms.on('publishStart', (info) => publishes.push(info));
  await ms.listen();
});
after(async () => {
  await Promise.all(sims.map((s) => s.close()));
  await ms.close();
});

async function load(name: string, globalData: Record<string, unknown>): Promise<Simulator> {
  const sim = await Simulator.load(APP, { name, globalData });
  sims.push(sim);
  return sim;
}

describe('<rtc-room> with real media through the RTMP gateway', () => {
  let pub: Simulator;
  let play: Simulator;
  let url: string;

  it('pushes when an <rtc-room> with rtmpPushUrl mounts, raising 3800 into the page once media flows', async () => {
    url = `rtmp://127.0.0.1:${ms.rtmpPort}/live/sim-s1`;
    pub = await load('pub', { pushUrl: url });
    const mounted = pub.waitFor('rtcRoomMounted');
    const ok = pub.waitFor('rtmpEvent', (e) => e.code === RtmpEventCode.PUSH_SUCCEEDED);
    pub.page.tap('推流');
    const { room } = await mounted;
    assert.equal(room.pushUrl, url);
    assert.ok(room.id.startsWith('rtcroom-'));
    assert.equal(pub.page.find('rtc-room')?.id, room.id);
    await ok;
    assert.deepEqual(
      plain(pub.page.data['rtmpCodes']),
      [3800],
      "the page's onRtmpEvent handler received 3800",
    );
    assert.ok((room.stats.push?.bytesSent ?? 0) > 0);
    assert.equal(publishes.length, 1, 'the gateway saw one publish');
    assert.deepEqual(
      plain(pub.page.data['lastTap']),
      { role: '1' },
      'data-role came as currentTarget.dataset',
    );
  });

  it('pulls when an <rtc-room> with rtmpPullUrl mounts: 3802, onFirstRender, decoded video and audio', async () => {
    play = await load('play', { pullUrl: url });
    const ok = play.waitFor('rtmpEvent', (e) => e.code === RtmpEventCode.PLAY_SUCCEEDED);
    const first = play.waitFor('firstRender');
    play.page.tap('拉流');
    await ok;
    const { id } = await first;
    const room = play.rtcRoom(id)!;
    await play.waitUntil(
      () => (room.stats.pull?.videoFrames ?? 0) >= 25 && (room.stats.pull?.audioFrames ?? 0) >= 20,
    );
    assert.ok((room.stats.pull?.audioSamples ?? 0) >= 20 * 1024, 'AAC frames of 1024 samples');
    assert.equal(play.page.data['firstRenders'], 1);
    assert.deepEqual(plain(play.page.data['rtmpCodes']), [3802]);
  });

  it('records RtcRoomContext calls and keeps extraInfo as created (setData does not retarget media)', async () => {
    const room = pub.rtcRooms[0]!;
    pub.page.tap('关闭摄像头');
    assert.deepEqual(plain(pub.contextCalls.at(-1)), {
      roomId: room.id,
      method: 'enableCamera',
      args: { enable: false },
    });
    assert.equal(room.cameraEnabled, false);
    assert.equal(pub.page.text.includes('开启摄像头'), true);
    (pub.page.self['setData'] as (p: object) => void)({
      'rtcroom.extraInfo.rtmpPushUrl': 'rtmp://elsewhere/x',
    });
    assert.equal(pub.rtcRooms[0], room, 'same id: same component');
    assert.equal(room.pushUrl, url);
  });

  it('drops and restores the network: media dies with it and reconnects after (3800 again)', async () => {
    const room = pub.rtcRooms[0]!;
    await pub.dropNetwork();
    assert.deepEqual(room.running, { push: false, pull: false });
    const again = pub.waitFor('rtmpEvent', (e) => e.code === RtmpEventCode.PUSH_SUCCEEDED);
    pub.restoreNetwork();
    await again;
    assert.equal(room.stats.pushStarts, 2);
    assert.deepEqual(plain(pub.page.data['rtmpCodes']), [3800, 3800]);
  });

  it("unmounts on the article's hide/stop/recreate flow and kills the media", async () => {
    const old = play.rtcRooms[0]!;
    const gone = play.waitFor('rtcRoomUnmounted');
    play.page.tap('停止');
    assert.equal((await gone).id, old.id);
    await play.waitUntil(() => play.contextCalls.some((c) => c.method === 'stop' && c.roomId === old.id));
    await play.waitUntil(() => !old.running.pull || undefined);
    assert.equal(old.mounted, false);
    assert.equal(play.rtcRooms.length, 0, 'no URL left: the component stays hidden');
  });

  it('a pull whose stream the gateway ends raises onRenderStop, then 3803', async () => {
    const ok = play.waitFor('rtmpEvent', (e) => e.code === RtmpEventCode.PLAY_SUCCEEDED);
    play.page.tap('拉流');
    await ok;
    const stop = play.waitFor('rtcRoomEvent', (e) => e.event === 'onRenderStop');
    const failed = play.waitFor('rtmpEvent', (e) => e.code === RtmpEventCode.PLAY_FAILED);
    // A clean unpublish leaves players attached (waiting for a republish): the gateway must end it.
    assert.equal(ms.closeStream('live/sim-s1', 'test'), true);
    await stop;
    await failed;
    assert.equal(play.page.data['renderStops'], 1);
    assert.deepEqual((plain(play.page.data['rtmpCodes']) as number[]).slice(-2), [3802, 3803]);
  });

  it('pushes a given media file (looped) instead of the test pattern', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'minirtc-sim-media-'));
    const file = join(dir, 'clip.mp4');
    try {
      const make = spawn('ffmpeg', [
        ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10'],
        ...['-f', 'lavfi', '-i', 'sine=frequency=220', '-t', '1', '-c:v', 'libx264', '-c:a', 'aac', file],
      ]);
      const [code] = (await once(make, 'close')) as [number];
      assert.equal(code, 0, 'test clip made');
      const fileUrl = `rtmp://127.0.0.1:${ms.rtmpPort}/live/sim-file`;
      const sim = await Simulator.load(APP, {
        name: 'file',
        mediaFile: file,
        globalData: { pushUrl: fileUrl },
      });
      sims.push(sim);
      const ok = sim.waitFor('rtmpEvent', (e) => e.code === RtmpEventCode.PUSH_SUCCEEDED);
      sim.page.tap('推流');
      await ok;
      const room = sim.rtcRooms[0]!;
      // 1 s of 10 fps video: more than 10 frames sent means the file is looping.
      await sim.waitUntil(() => (room.stats.push?.videoFrames ?? 0) > 12);
      // What reached the gateway is the file, not the 320x240 / 25 fps test pattern: decode 3 s of it.
      const probe = spawn('ffprobe', [
        ...['-v', 'error', '-rw_timeout', '15000000', '-read_intervals', '%+3', '-count_frames'],
        ...['-select_streams', 'v:0', '-show_entries', 'stream=width,height,nb_read_frames'],
        ...['-of', 'csv=p=0', fileUrl],
      ]);
      let out = '';
      probe.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      const [probed] = (await once(probe, 'close')) as [number];
      assert.equal(probed, 0, 'ffprobe decoded the stream');
      const [w, h, n] = out.trim().split(',').map(Number);
      assert.deepEqual([w, h], [160, 120], "the clip's size");
      // 3 s at the clip's 10 fps is 30 frames (±1 at each end of the interval); the pattern would give 75.
      assert.ok(n! >= 29 && n! <= 32, `decoded ${n} frames in 3 s`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('raises 3801 / 3803 when the gateway cannot be reached', async () => {
    const sim = await load('bad', {
      pushUrl: 'rtmp://127.0.0.1:1/live/x',
      pullUrl: 'rtmp://127.0.0.1:1/live/y',
    });
    const pushFail = sim.waitFor('rtmpEvent', (e) => e.code === RtmpEventCode.PUSH_FAILED);
    sim.page.tap('推流');
    const e = await pushFail;
    assert.match(e.message, /push failed/);
    const pullFail = sim.waitFor('rtmpEvent', (x) => x.code === RtmpEventCode.PLAY_FAILED);
    sim.page.tap('拉流');
    await pullFail;
    await sim.waitUntil(() => (sim.page.data['rtmpCodes'] as number[]).includes(3803) || undefined);
  });

  it('kills its ffmpeg when the host process exits without close()', async () => {
    // A gateway with no takeover grace: the publish ends as soon as the pushing connection dies.
    const strict = new MediaServer({ rtmpPort: 0, takeoverGraceMs: 0 });
    await strict.listen();
    try {
      const started = new Promise<void>((r) => strict.on('publishStart', () => r()));
      const stopped = new Promise<void>((r) => strict.on('publishStop', () => r()));
      const child = spawn(
        process.execPath,
        [
          '--conditions=source',
          '--import',
          'tsx',
          fileURLToPath(new URL('./fixtures/exit-without-close-child.ts', import.meta.url)),
          `rtmp://127.0.0.1:${strict.rtmpPort}/live/orphan`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
      });
      await started;
      const [code] = (await once(child, 'close')) as [number];
      assert.equal(code, 0);
      assert.match(out, /^\d+\n$/, 'the child printed the pid of its push');
      // Bounded: if the push outlived its host, the publish never stops and this rejects.
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<never>((_r, reject) => {
        timer = setTimeout(() => reject(new Error(`ffmpeg ${out.trim()} outlived its host`)), 10_000);
      });
      try {
        await Promise.race([stopped, bound]);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      await strict.close();
    }
  });
});

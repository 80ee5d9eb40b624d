/**
 * The article's 1v1 call, end to end: examples/alipay-1v1 runs unchanged in two simulated phones
 * against a real MiniRTC platform (signaling + embedded RTMP gateway, as `minirtc start` wires them),
 * with the SDK's one-file mini-program bundle and real ffmpeg media in both <rtc-room>s.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { runSimulation, type SimulationEvent, Simulator } from '../src/index.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/alipay-1v1', import.meta.url));
const SDK_ENTRY = fileURLToPath(new URL('../../sdk/src/bundle-entry.ts', import.meta.url));
// Loaded by name at run time: the simulator does not depend on the CLI or the protocol package, and
// their work in progress must not break this package's typecheck. Only these members are used.
const CLI = '@minirtc/cli';
const CRYPTO = '@minirtc/protocol/crypto';
interface PlatformLike {
  server: {
    wsUrl: string;
    on(event: 'roomClosed', cb: (e: { appID: number; roomID: string }) => void): unknown;
    rooms(appID?: number): { roomID: string }[];
  };
  close(): Promise<void>;
}
interface CliLike {
  loadConfig(o: { flags: Record<string, string> }): unknown;
  startPlatform(
    config: unknown,
    o: { apps: { appID: number; serverSecret: string }[] },
  ): Promise<PlatformLike>;
}
interface CryptoLike {
  generateToken04(o: { appID: number; userID: string; secret: string; ttlSeconds: number }): string;
}

const appID = 515151;
const secret = '0123456789abcdef0123456789abcdef';
const ROOM = 'e2e-1v1';
const tmp = mkdtempSync(join(tmpdir(), 'minirtc-sim-e2e-'));
let appDir = EXAMPLE;
let platform: PlatformLike;
let crypto: CryptoLike;
const sims: Simulator[] = [];

before(async () => {
  // Use the SDK file the example ships with when it is there; otherwise build the same bundle from the
  // SDK's source into a copy, leaving the example's libs/ untouched.
  if (!existsSync(join(EXAMPLE, 'libs', 'ZegoExpressMiniProgram.js'))) {
    appDir = join(tmp, 'alipay-1v1');
    cpSync(EXAMPLE, appDir, { recursive: true });
    await build({
      entryPoints: [SDK_ENTRY],
      outfile: join(appDir, 'libs', 'ZegoExpressMiniProgram.js'),
      bundle: true,
      format: 'cjs', // as packages/sdk/scripts/build-bundle.mjs ships it
      platform: 'neutral',
      conditions: ['source'],
      mainFields: ['module', 'main'],
      target: 'es2015',
      logLevel: 'silent',
    });
  }
  const cli = (await import(CLI)) as CliLike;
  crypto = (await import(CRYPTO)) as CryptoLike;
  const config = cli.loadConfig({
    flags: { port: '0', 'rtmp.port': '0', dataDir: join(tmp, 'data'), logLevel: 'silent' },
  });
  platform = await cli.startPlatform(config, { apps: [{ appID, serverSecret: secret }] });
});

after(async () => {
  await Promise.all(sims.map((s) => s.close()));
  await platform?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function phone(name: string, userID: string): Promise<Simulator> {
  const token = crypto.generateToken04({ appID, userID, secret, ttlSeconds: 600 });
  const sim = await Simulator.load(appDir, {
    name,
    globalData: { appID, server: platform.server.wsUrl, userID, token, roomID: ROOM },
    echoConsole: process.env.SIM_DEBUG === '1',
  });
  sims.push(sim);
  return sim;
}

const data = (sim: Simulator, key: string): unknown => sim.page.data[key];

describe('examples/alipay-1v1 in two simulated phones through a real MiniRTC', () => {
  let a: Simulator;
  let b: Simulator;

  it('A joins and publishes; B joins and plays A with real decoded video and audio', async () => {
    a = await phone('A', 'alice');
    b = await phone('B', 'bob');
    await a.page.tap('加入房间(推流)');
    await a.waitUntil(() => data(a, 'publishState') === 'PUBLISHING', { what: 'A publishing' });
    const pushRoom = a.rtcRooms[0]!;
    assert.match(pushRoom.pushUrl ?? '', /^rtmp:\/\/127\.0\.0\.1:\d+\/live\/stream_alice\?/);

    await b.page.tap('加入房间(不推流)');
    await b.waitUntil(() => data(b, 'playState') === 'PLAYING', { what: 'B playing' });
    assert.equal(data(b, 'pullStreamID'), 'stream_alice');
    const pullRoom = b.rtcRooms[0]!;
    await b.waitUntil(
      () => (pullRoom.stats.pull?.videoFrames ?? 0) >= 50 && (pullRoom.stats.pull?.audioFrames ?? 0) > 20,
      {
        what: 'B decoding A',
      },
    );
    // The article's camera and microphone buttons drive the component's context.
    a.page.tap('关闭摄像头');
    a.page.tap('关闭麦克风');
    assert.deepEqual(
      a.contextCalls.slice(-2).map((c) => [c.roomId, c.method, JSON.stringify(c.args)]),
      [
        [pushRoom.id, 'enableCamera', '{"enable":false}'],
        [pushRoom.id, 'mute', '{"muted":true}'],
      ],
    );
    assert.ok(
      a.page.text.includes('开启摄像头') && a.page.text.includes('开启麦克风'),
      'labels follow the data',
    );
    assert.equal(a.rtcRooms[0], pushRoom, 'toggling does not recreate the component');
    assert.deepEqual(
      b.errors.map((e) => String(e.error)),
      [],
      'no app errors on B',
    );
    assert.deepEqual(
      a.uiCalls.filter((c) => c.api === 'showToast'),
      [],
      'no failure toasts on A',
    );
  });

  it('A stops publishing: B hears DELETE, stops playing and hides its <rtc-room>', async () => {
    const gone = b.waitFor('rtcRoomUnmounted');
    a.page.tap('停止推流');
    await gone;
    await b.waitUntil(() => (data(b, 'pullList') as unknown[]).length === 0 && b.rtcRooms.length === 0);
    assert.equal(a.rtcRooms.length, 0, "A's component is hidden too");
  });

  it('A drops off the network and comes back: the push reconnects and B plays again', async () => {
    await a.page.tap('推流');
    await b.waitUntil(() => data(b, 'playState') === 'PLAYING' && b.rtcRooms.length === 1, {
      what: 'B playing again',
    });
    const pull = b.rtcRooms[0]!;
    let bUnmounts = 0;
    let bDeletes = 0;
    const off = b.events.on('rtcRoomUnmounted', () => bUnmounts++);
    // The page logs every roomStreamUpdate it gets (console.warn('roomStreamUpdate', roomID, type, list)).
    const offLog = b.events.on('console', (e) => {
      if (/roomStreamUpdate.*DELETE/.test(e.text)) bDeletes++;
    });
    await a.dropNetwork();
    await a.waitUntil(() => data(a, 'connectState') === 'CONNECTING', { what: 'A reconnecting' });
    a.restoreNetwork();
    await a.waitUntil(() => data(a, 'connectState') === 'CONNECTED', { what: 'A reconnected' });
    const room = a.rtcRooms[0]!;
    await a.waitUntil(
      () => room.stats.pushStarts === 2 && room.running.push && data(a, 'publishState') === 'PUBLISHING',
      {
        what: 'A publishing again',
      },
    );
    const before = pull.stats.pull?.videoFrames ?? 0;
    await b.waitUntil(() => (pull.stats.pull?.videoFrames ?? 0) >= before + 25, {
      what: 'B receives frames again',
    });
    off();
    offLog();
    assert.equal(bDeletes, 0, 'B heard no roomStreamUpdate DELETE while A was away');
    assert.equal(bUnmounts, 0, "B's player stayed attached: the stream did not flap");
    assert.equal(b.rtcRooms[0], pull);
    assert.equal(data(b, 'playState'), 'PLAYING');
  });

  it('both tap 退出房间: the room empties', async () => {
    const closed = new Promise<void>((resolve) => {
      platform.server.on('roomClosed', (e) => {
        if (e.appID === appID && e.roomID === ROOM) resolve();
      });
    });
    a.page.tap('退出房间');
    b.page.tap('退出房间');
    await closed;
    assert.equal(platform.server.rooms(appID).filter((r) => r.roomID === ROOM).length, 0);
    assert.equal(data(a, 'isLogin'), false);
    assert.equal(data(b, 'isLogin'), false);
    assert.equal(a.rtcRooms.length + b.rtcRooms.length, 0, 'no <rtc-room> left mounted');
  });

  it('runs the same call through runSimulation, as `minirtc simulate --users 2` will', async () => {
    const lines: SimulationEvent[] = [];
    const simulation = await runSimulation(appDir, {
      users: 2,
      room: 'e2e-sim',
      server: platform.server.wsUrl,
      appID,
      tokenFor: (userID) => crypto.generateToken04({ appID, userID, secret, ttlSeconds: 600 }),
      taps: (i) => [i === 0 ? '加入房间(推流)' : '加入房间(不推流)'],
      onEvent: (e) => lines.push(e),
    });
    try {
      const [, viewer] = simulation.sims;
      await viewer!.waitUntil(() => data(viewer!, 'playState') === 'PLAYING', { what: 'user2 playing' });
      assert.ok(
        lines.some((l) => l.user === 'user1' && l.event === 'rtmpEvent' && l.text.includes(' 3800 ')),
      );
      assert.ok(
        lines.some((l) => l.user === 'user2' && l.event === 'rtmpEvent' && l.text.includes(' 3802 ')),
      );
      assert.deepEqual(
        lines.filter((l) => l.event === 'error'),
        [],
      );
    } finally {
      await simulation.close();
    }
  });
});

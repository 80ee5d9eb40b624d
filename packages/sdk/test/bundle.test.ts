import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { EventEmitter, once as onceEvent } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import type { MiniRtcServer } from '@minirtc/server';
import type { ZegoExpressEngine } from '../src/index.js';
import { createFakeMy } from './helpers/fake-my.js';
import { APP_ID, loginAs, makeEngine, startServer, token } from './helpers/integration.js';
import { once } from './helpers/once.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundlePath = join(root, 'dist', 'ZegoExpressMiniProgram.js');

type EngineCtor = new (appID: number, server: string | string[]) => ZegoExpressEngine;

/** Loads the bundle as a mini-program would: only `my`, console and timers; CommonJS `module`/`exports`. */
function loadBundle(
  my: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): { ZegoExpressEngine: EngineCtor; context: vm.Context } {
  const code = readFileSync(bundlePath, 'utf8');
  const module = { exports: {} as Record<string, unknown> };
  const context = vm.createContext({
    my,
    console,
    setTimeout,
    clearTimeout,
    module,
    exports: module.exports,
    ...extra,
  });
  vm.runInContext(code, context, { filename: 'ZegoExpressMiniProgram.js' });
  const Ctor = module.exports.ZegoExpressEngine as EngineCtor | undefined;
  assert.equal(typeof Ctor, 'function', 'exports.ZegoExpressEngine');
  return { ZegoExpressEngine: Ctor as EngineCtor, context };
}

describe('the mini-program bundle in a bare VM with a fake `my`', () => {
  let server: MiniRtcServer;
  const engines: ZegoExpressEngine[] = [];

  before(async () => {
    execFileSync(process.execPath, [join(root, 'scripts', 'build-bundle.mjs')], { stdio: 'pipe' });
    server = await startServer({ resumeGraceMs: 10_000 });
  });
  after(async () => {
    for (const e of engines) e.destroyEngine();
    await server.close();
  });

  it('is one ES2015-ish CommonJS file with no Node or ws references, and sizes are recorded', () => {
    const code = readFileSync(bundlePath, 'utf8');
    assert.doesNotMatch(code, /require\(["'](node:|ws|fs|net|crypto|http|events)/);
    assert.doesNotMatch(code, /\bimport\(/);
    // syntax newer than ES2015 would not parse on old base libraries
    assert.doesNotMatch(code, /\?\?|\?\.[a-zA-Z_$[(]|\basync\s+(function|\(|[a-zA-Z_$]+\s*=>)|\bawait\b/);
    // …nor would library methods newer than ES2015 on a runtime without polyfills
    assert.doesNotMatch(
      code,
      /\.includes\(|Object\.(entries|values|fromEntries|hasOwn)\(|\.flatMap\(|\.at\(/,
    );
    const size = JSON.parse(readFileSync(join(root, 'dist', 'size.json'), 'utf8')) as {
      minifiedBytes: number;
      gzipBytes: number;
    };
    assert.equal(size.minifiedBytes, Buffer.byteLength(code));
    assert.ok(size.minifiedBytes < 100 * 1024, `${size.minifiedBytes} bytes`);
    assert.ok(size.gzipBytes < size.minifiedBytes);
  });

  it('the VM has no require/process/WebSocket/window', () => {
    const { context } = loadBundle(createFakeMy('task').my);
    assert.equal(
      vm.runInContext(
        '[typeof require, typeof process, typeof WebSocket, typeof window, typeof fetch].join()',
        context,
      ),
      'undefined,undefined,undefined,undefined,undefined',
    );
  });

  for (const mode of ['task', 'global'] as const) {
    it(`logs in through my.connectSocket (${mode} API), sees a Node peer, messages, resume`, async () => {
      const { my, stats } = createFakeMy(mode);
      const { ZegoExpressEngine } = loadBundle(my);
      const zg = new ZegoExpressEngine(APP_ID, server.wsUrl);
      engines.push(zg);
      assert.match(zg.getVersion(), /^\d+\.\d+\.\d+/);
      assert.equal((await zg.checkSystemRequirements()).code, 0);
      const roomID = `room-vm-${mode}`;
      const states: string[] = [];
      zg.on('roomStateUpdate', (_r, s, code) => states.push(`${s}:${code}`));
      const result = await zg.loginRoom(
        roomID,
        token(`vm-${mode}`, roomID),
        { userID: `vm-${mode}`, userName: 'vm' },
        {
          userUpdate: true,
        },
      );
      assert.equal(result, true);
      assert.deepEqual(states, ['CONNECTING:0', 'CONNECTED:0']);
      assert.ok(stats.connects.length >= 1);
      assert.equal(stats.connects[0]?.multiple, true, 'asks for a SocketTask');

      // a Node engine joins: the VM engine sees it, and messages flow both ways
      const peer = makeEngine(server).engine;
      engines.push(peer);
      const seen = once(zg, 'roomUserUpdate', (_r, t) => t === 'ADD');
      await loginAs(peer, `peer-${mode}`, roomID);
      await seen;
      const got = once<[string, { message: string }[]]>(zg, 'IMRecvBroadcastMessage');
      assert.equal((await peer.sendBroadcastMessage(roomID, 'to the vm')).errorCode, 0);
      assert.equal((await got)[1][0]?.message, 'to the vm');
      const back = once<[string, { message: string }[]]>(peer, 'IMRecvBroadcastMessage');
      assert.equal((await zg.sendBroadcastMessage(roomID, 'from the vm')).errorCode, 0);
      assert.equal((await back)[1][0]?.message, 'from the vm');

      const { url } = await zg.startPublishingStream(`s-vm-${mode}`);
      assert.match(url, /^rtmp:\/\//);

      // the socket dies: the adapter reconnects through my.connectSocket and resumes
      const before = stats.connects.length;
      const back2 = once(zg, 'roomStateChanged', (_r, s) => s === 'RECONNECTED', 10_000);
      assert.equal(server.dropConnection(APP_ID, `vm-${mode}`), true);
      await back2;
      assert.ok(stats.connects.length > before);
      assert.equal(server.sessionState(APP_ID, `vm-${mode}`), 'attached');

      // remote logs go out through my.request
      zg.setLogConfig({ logLevel: 'disable', remoteLogLevel: 'info' });
      zg.log.info('vm', 'hello from the bundle');
      await zg.log.flush();
      assert.ok(
        stats.requests.some((r) => r.url.endsWith('/httplog') && r.body.includes('hello from the bundle')),
      );
      assert.ok(server.logs({ appID: APP_ID, contains: 'hello from the bundle' }).length > 0);

      await zg.logoutRoom(roomID);
      assert.equal(server.sessionState(APP_ID, `vm-${mode}`), 'none');
    });
  }

  it('a 1v1 call written as mini-program page code runs unchanged inside the VM', async () => {
    const { my } = createFakeMy('task');
    const app = new EventEmitter();
    const { context } = loadBundle(my, {
      report: (what: string, value: unknown) => app.emit(what, value),
      config: {
        appID: APP_ID,
        server: server.wsUrl,
        roomID: 'room-1v1',
        pusherToken: token('pusher', 'room-1v1'),
        pullerToken: token('puller', 'room-1v1'),
      },
    });
    // Page code in the style of ZEGO's Alipay sample: callbacks registered first, then login,
    // publish on one side, play whatever roomStreamUpdate offers on the other, forward onRtmpEvent.
    vm.runInContext(
      `
      const { ZegoExpressEngine } = module.exports;
      const pusher = new ZegoExpressEngine(config.appID, config.server);
      const puller = new ZegoExpressEngine(config.appID, config.server);
      const page = { pushStreamID: 'push-1v1', pullStreamID: '', pullList: [] };
      pusher.on('publisherStateUpdate', (r) => report('pub', r.state));
      puller.on('playerStateUpdate', (r) => report('play', r.state));
      puller.on('roomUserUpdate', (roomID, type, list) => report('users', type + ':' + list.map((u) => u.userID).join()));
      puller.on('roomStreamUpdate', async (roomID, updateType, streamList) => {
        if (updateType === 'ADD') {
          page.pullList.push(...streamList);
          if (!page.pullStreamID) {
            page.pullStreamID = page.pullList[0].streamID;
            const { url } = await puller.startPlayingStream(page.pullStreamID);
            report('pullUrl', url);
          }
        } else {
          streamList.forEach((s) => {
            if (s.streamID === page.pullStreamID) {
              puller.stopPlayingStream(s.streamID);
              page.pullStreamID = '';
              report('stopped', s.streamID);
            }
          });
        }
      });
      // what <rtc-room onRtmpEvent="onRtmpEvent"> would call
      globalThis.onRtmpEvent = (side, e) => {
        if ([3800, 3801].includes(e.detail.code)) pusher.updatePlayerState(page.pushStreamID, e);
        else if ([3802, 3803].includes(e.detail.code)) puller.updatePlayerState(page.pullStreamID, e);
      };
      globalThis.hangUp = async () => {
        pusher.stopPublishingStream(page.pushStreamID);
        await pusher.logoutRoom(config.roomID);
        await puller.logoutRoom(config.roomID);
        report('hungUp', true);
      };
      (async () => {
        await puller.loginRoom(config.roomID, config.pullerToken, { userID: 'puller', userName: 'B' }, { userUpdate: true });
        await pusher.loginRoom(config.roomID, config.pusherToken, { userID: 'pusher', userName: 'A' }, { userUpdate: true });
        const { url } = await pusher.startPublishingStream(page.pushStreamID);
        report('pushUrl', url);
      })().catch((e) => report('error', e.code + ' ' + e.msg));
      `,
      context,
    );
    const failed = onceEvent(app, 'error').then(([e]) => {
      throw new Error(`page code failed: ${e}`);
    });
    // Each awaited page event fails the test after 5 s (naming it) or as soon as the page code throws.
    const ev = (name: string) =>
      Promise.race([onceEvent(app, name, { signal: AbortSignal.timeout(5000) }), failed]).catch(
        (e: Error) => {
          throw new Error(`waiting for page event ${name}: ${e.message}`);
        },
      ) as Promise<unknown[]>;
    const users = ev('users');
    const [pushUrl] = (await ev('pushUrl')) as [string];
    assert.match(pushUrl, /push-1v1\?.*act=push/);
    assert.deepEqual(await users, ['ADD:pusher']);
    // the device starts pushing: the gateway reports the stream live, the puller plays it
    const pullUrl = ev('pullUrl');
    server.media.streamLive(APP_ID, 'push-1v1');
    assert.match(((await pullUrl) as [string])[0], /push-1v1\?.*act=play/);
    const playing = ev('play');
    const run = (code: string) => vm.runInContext(code, context);
    run("onRtmpEvent('pull', { type: 'rtmpEvent', detail: { code: 3802, message: 'play ok' } })");
    // first the PLAY_REQUESTING from startPlayingStream may already have passed; wait for PLAYING
    let state = ((await playing) as [string])[0];
    while (state !== 'PLAYING') state = ((await ev('play')) as [string])[0];
    const stopped = ev('stopped');
    server.media.streamGone(APP_ID, 'push-1v1', 'normal');
    assert.deepEqual(await stopped, ['push-1v1']);
    const hungUp = ev('hungUp');
    run('hangUp()');
    await hungUp;
    assert.equal(server.sessionState(APP_ID, 'pusher'), 'none');
    assert.equal(server.sessionState(APP_ID, 'puller'), 'none');
    run('pusher.destroyEngine(); puller.destroyEngine();');
  });
});

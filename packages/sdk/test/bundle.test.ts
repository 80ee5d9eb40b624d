import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
function loadBundle(my: Record<string, unknown>): { ZegoExpressEngine: EngineCtor; context: vm.Context } {
  const code = readFileSync(bundlePath, 'utf8');
  const module = { exports: {} as Record<string, unknown> };
  const context = vm.createContext({
    my,
    console,
    setTimeout,
    clearTimeout,
    module,
    exports: module.exports,
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
});

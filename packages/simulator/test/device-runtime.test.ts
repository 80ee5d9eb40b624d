/**
 * How the Alipay runtime behaves where the simulator used to differ: CommonJS module semantics, relative
 * navigation, Promise returns, the my.* audit, inputs addressed like a user would, actions that wait for
 * a ready page, and the device's network rules. No server: the fixture app makes no calls.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  checkDeviceUrl,
  parseScenario,
  resolveRoute,
  runScenario,
  Simulator,
  type SimulatorError,
  SimulatorErrorCode,
} from '../src/index.js';

const APP = fileURLToPath(new URL('./fixtures/device-app', import.meta.url));
const sims: Simulator[] = [];
async function load(opts: Parameters<typeof Simulator.load>[1] = {}): Promise<Simulator> {
  const sim = await Simulator.load(APP, opts);
  sims.push(sim);
  return sim;
}
after(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

describe('runs apps written for the device', () => {
  it('compiles modules to CommonJS: a named import the module does not export is undefined', async () => {
    const sim = await load();
    assert.equal((sim.app['globalData'] as Record<string, unknown>)['missing'], 'undefined');
    assert.equal((sim.app['globalData'] as Record<string, unknown>)['version'], '1.0');
  });

  it('resolves navigation relative to the current page, with the query reaching onLoad', async () => {
    const sim = await load();
    await sim.tap('设置');
    await sim.whenReady();
    assert.equal(sim.page.route, 'pages/settings/index');
    assert.deepEqual(plain(sim.page.data['query']), { from: 'home', n: '2' });
    await sim.tap('返回');
    await sim.whenReady();
    assert.equal(sim.page.route, 'pages/home/index');
    await sim.tap('详情');
    await sim.whenReady();
    assert.equal(sim.page.route, 'pages/detail/index', 'an absolute path from the app root');
    assert.equal(sim.page.text, '详情页 1.0', "the page imports '/utils/consts' from the app root");
    assert.equal(
      resolveRoute('../a/index', 'pages/b/index', (r) => r === 'pages/a/index'),
      'pages/a/index',
    );
    assert.equal(
      resolveRoute('index', 'pages/b/index', (r) => r === 'pages/b/index'),
      'pages/b/index',
    );
    assert.equal(
      resolveRoute('../../../x', 'pages/b/index', () => true),
      undefined,
    );
  });

  it('fails navigation to a missing page through the returned Promise (error 2) and logs it', async () => {
    const sim = await load();
    const logged = sim.waitFor('error');
    await sim.tap('坏链接');
    assert.match(
      String(((await logged).error as Error).message),
      /no Page\(\) for route '\.\.\/nowhere\/index'/,
    );
    await sim.waitUntil(() => sim.page.text.includes('nav failed 2'));
    assert.equal(sim.page.route, 'pages/home/index');
  });

  it('switchTab goes only to tabBar pages', async () => {
    const sim = await load();
    const r = (await sim.run(
      "my.switchTab({ url: '/pages/settings/index' }).then(() => 'ok', (e) => e.error)",
    )) as unknown;
    assert.equal(r, 2);
  });

  it('a tap waits until the page is ready: the page guard no longer drops it', async () => {
    const eager = await load();
    eager.page.tap('计数'); // right after load, before onReady: what the old --taps did
    assert.equal(eager.page.data['taps'], 0, 'the page ignores a tap before onReady');
    const sim = await load();
    await sim.tap('计数');
    assert.equal(sim.page.data['taps'], 1);
  });

  it('a target that never shows fails with the page visible text', async () => {
    const sim = await load();
    await assert.rejects(sim.tap('不存在', { timeoutMs: 300 }), (e: SimulatorError) => {
      assert.equal(e.code, SimulatorErrorCode.ELEMENT_NOT_FOUND);
      assert.match(e.message, /no tappable element '不存在'/);
      assert.match(e.message, /the page shows: "首页 0 设置 详情 坏链接 计数"/);
      return true;
    });
  });

  it('addresses inputs that share one handler by data-*, index and label; a shared handler is ambiguous', async () => {
    const sim = await load({ page: 'pages/settings/index' });
    await sim.type('[data-name=roomID]', 'r1');
    await sim.type({ index: 1 }, 'Ann');
    await sim.type('分辨率', '720p'); // a <label> around the input
    assert.deepEqual(
      [sim.page.data['roomID'], sim.page.data['nickname'], sim.page.data['resolution']],
      ['r1', 'Ann', '720p'],
    );
    await sim.type('昵称', 'Bea'); // text before the input, its colon ignored
    assert.equal(sim.page.data['nickname'], 'Bea');
    await sim.type({ data: { name: 'roomID' } }, 'r2');
    assert.equal(sim.page.data['roomID'], 'r2');
    await assert.rejects(
      sim.type('inputChange', 'x', { timeoutMs: 200 }),
      /matches 3 inputs; address one by data-\*/,
    );
  });

  it('submits a form with what was typed into its named inputs', async () => {
    const sim = await load({ page: 'pages/settings/index' });
    await sim.type('note', 'hello');
    await sim.tap('提交');
    assert.deepEqual(plain(sim.page.data['submitted']), { note: 'hello' });
  });

  it('async my.* without callbacks return Promises of the app realm (await my.confirm)', async () => {
    const sim = await load({ page: 'pages/settings/index' });
    await sim.tap('保存');
    assert.ok(sim.page.text.includes('saved on Android'));
    assert.equal(sim.run('my.getNetworkType() instanceof Promise'), true);
    assert.equal(sim.run('my.getStorageSync({ key: "x" }) instanceof Promise'), false, 'sync APIs stay sync');
    assert.equal(sim.run('my.getSystemInfo({ success() {} })'), undefined, 'with a callback: no Promise');
  });

  it('audits my.*: new APIs work, refused ones name themselves and why, canIUse tells them apart', async () => {
    const sim = await load();
    assert.equal(sim.run('my.arrayBufferToBase64(new Uint8Array([1, 2, 255]).buffer)'), 'AQL/');
    assert.deepEqual(
      plain(sim.run('Array.from(new Uint8Array(my.base64ToArrayBuffer("AQL/")))')),
      [1, 2, 255],
    );
    assert.equal(sim.run('my.base64ToArrayBuffer("AQL/") instanceof ArrayBuffer'), true);
    assert.equal(sim.run("my.canIUse('request')"), true);
    assert.equal(sim.run("my.canIUse('rtc-room')"), true);
    assert.equal(sim.run("my.canIUse('getAuthCode')"), false);
    assert.throws(
      () => sim.run('my.getAuthCode({})'),
      /my\.getAuthCode is not supported by the simulator: needs an Alipay account/,
    );
    sim.run("my.setStorageSync({ key: 'k', data: 1 })");
    const info = await (sim.run('my.getStorageInfo()') as Promise<{ keys: string[] }>);
    assert.deepEqual(plain(info.keys), ['k']);
    sim.run('my.setKeepScreenOn({ keepScreenOn: true })');
    assert.ok(sim.uiCalls.some((c) => c.api === 'setKeepScreenOn'));
  });
});

describe('device network rules', () => {
  it('checks scheme and whitelist as the device does', () => {
    assert.equal(checkDeviceUrl('socket', 'ws://a.example/ws')?.error, 20);
    assert.equal(checkDeviceUrl('request', 'http://a.example/x')?.error, 11);
    assert.equal(checkDeviceUrl('socket', 'wss://a.example/ws'), undefined);
    assert.equal(checkDeviceUrl('socket', 'wss://a.example/ws', ['b.example'])?.rule, 'domain-whitelist');
    assert.equal(checkDeviceUrl('request', 'https://a.example/x', ['https://a.example'])?.rule, undefined);
  });

  it('--device-rules: ws:// refused with error 20, http:// with 11, outside the whitelist too', async () => {
    const sim = await load({ deviceRules: { enforce: true, domains: ['rtc.example.com'] } });
    sim.run(`
      my.connectSocket({ url: 'ws://127.0.0.1:9/ws', multiple: true, fail: (e) => { globalThis.ws = e.error; } });
      my.request({ url: 'http://127.0.0.1:9/x', fail: (e) => { globalThis.http = e.error; } });
      my.connectSocket({ url: 'wss://other.example.com/ws', multiple: true, fail: (e) => { globalThis.dom = e.error; } });
    `);
    await sim.waitUntil(() => sim.run('globalThis.ws && globalThis.http && globalThis.dom'));
    assert.deepEqual(plain(sim.run('[globalThis.ws, globalThis.http, globalThis.dom]')), [20, 11, 20]);
  });

  it('without it: allowed, one warning per rule broken', async () => {
    const sim = await load();
    const warnings: string[] = [];
    sim.events.on('warning', (w) => warnings.push(w.text));
    sim.run(`
      my.connectSocket({ url: 'ws://127.0.0.1:9/a', multiple: true, fail() {} });
      my.connectSocket({ url: 'ws://127.0.0.1:9/b', multiple: true, fail() {} });
    `);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /ws:\/\/127\.0\.0\.1:9: the device allows sockets over wss:\/\/ only .*error 20/,
    );
  });
});

describe('scenarios', () => {
  it('refuses an invalid scenario, naming each problem by its path', () => {
    assert.throws(
      () =>
        parseScenario({ users: { a: { steps: [{ tap: '' }, { wait: { text: 'x', code: 1 } }] } }, extra: 1 }),
      (e: SimulatorError) =>
        e.code === SimulatorErrorCode.SCENARIO_INVALID &&
        /users\.a\.steps\.0/.test(e.message) &&
        /extra/.test(e.message),
    );
  });

  it('runs users side by side to a verdict; a failing wait reports the page text', async () => {
    const scenario = parseScenario({
      timeout: '2s',
      users: {
        ann: {
          open: 'pages/settings/index?from=scenario',
          steps: [
            { wait: { text: 'from scenario' } },
            // biome-ignore lint/suspicious/noTemplateCurlyInString: the scenario's own placeholders
            { type: { into: '房间号', text: '${room}-${userID}' } },
            { assert: { data: { roomID: 'r9-ann' } } },
            { tap: '保存' },
            { wait: { text: 'saved on Android' } },
            { signal: 'ann-saved' },
          ],
          expect: { errors: 0 },
        },
        ben: {
          steps: [
            { wait: { signal: 'ann-saved' } },
            { tap: '设置' },
            { wait: { page: 'pages/settings/index' } },
          ],
        },
        cat: { steps: [{ tap: '计数' }, { wait: { text: '首页 5' }, timeout: 300 }] },
        dan: {
          open: 'pages/settings/index',
          dialogs: { confirm: false },
          steps: [
            { tap: '保存' },
            { wait: { text: 'cancelled' } },
            { dialogs: { confirm: true } },
            { tap: '保存' },
            { wait: { text: 'saved on Android' } },
          ],
        },
      },
    });
    const result = await runScenario(scenario, { appDir: APP, room: 'r9' });
    const by = Object.fromEntries(result.users.map((u) => [u.name, u]));
    assert.equal(result.passed, false);
    assert.equal(by['ann']!.passed, true, JSON.stringify(by['ann']));
    assert.equal(by['ben']!.passed, true, JSON.stringify(by['ben']));
    assert.equal(by['dan']!.passed, true, JSON.stringify(by['dan']));
    assert.equal(by['cat']!.passed, false);
    assert.equal(by['cat']!.stepsDone, 1);
    assert.match(
      by['cat']!.failures[0]!,
      /step 2 .*did not happen within 300 ms; on pages\/home\/index; the page shows: "首页 1 /,
    );
  });
});

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PageInstance, parseAxml, Simulator, SimulatorError, SimulatorErrorCode } from '../src/index.js';

// Values from the app's realm have other prototypes; compare their JSON shape.
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

const APP = fileURLToPath(new URL('./fixtures/mini-app', import.meta.url));
const sims: Simulator[] = [];
async function load(opts: Parameters<typeof Simulator.load>[1] = {}): Promise<Simulator> {
  const sim = await Simulator.load(APP, opts);
  sims.push(sim);
  return sim;
}
after(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

describe('app and page runtime', () => {
  it('runs app.js with its utils import and merges per-instance globalData before onLaunch', async () => {
    const a = await load({ globalData: { userID: 'alice', token: 't-a' } });
    const b = await load({ globalData: { userID: 'bob' } });
    assert.equal(
      a.app['globalData'] && (a.app['globalData'] as Record<string, unknown>)['greeting'],
      'hello alice',
    );
    assert.deepEqual(
      { ...(a.app['globalData'] as object) },
      {
        userID: 'alice',
        token: 't-a',
        pushUrl: '',
        pullUrl: '',
        mode: 'default',
        greeting: 'hello alice',
        launchPath: 'pages/index/index',
      },
    );
    assert.equal(b.page.data['greeting'], 'hello bob', 'each instance has its own context and globalData');
    assert.equal(a.page.byId('title') && a.page.text.startsWith('hello alice'), true);
  });

  it('gives app code mini-program globals only: no require, process, WebSocket or fetch', async () => {
    const sim = await load();
    assert.deepEqual(plain((sim.page.self['probe'] as () => unknown)()), {
      process: 'undefined',
      WebSocket: 'undefined',
      fetch: 'undefined',
      my: 'object',
      getApp: 'function',
    });
    assert.equal(sim.run('typeof require'), 'undefined');
    // @ts-expect-error misspelt event names do not compile: the events are typed.
    sim.events.on('rtmpEvents', () => {});
    assert.throws(() => sim.run('eval("1+1")'), /Code generation from strings disallowed/);
    assert.equal(sim.run('getCurrentPages().length'), 1);
    assert.equal(sim.run('getCurrentPages()[0].route'), 'pages/index/index');
  });

  it('runs onLoad, onShow, then onReady after the first render', async () => {
    const sim = await load();
    assert.deepEqual(plain(sim.page.data['lifecycle']), ['onLoad', 'onShow']);
    await sim.waitUntil(() => (sim.page.data['lifecycle'] as string[]).includes('onReady'));
    assert.deepEqual(plain(sim.page.data['lifecycle']), ['onLoad', 'onShow', 'onReady']);
  });

  it('taps a button by its text with data-* as currentTarget.dataset, and re-renders', async () => {
    const sim = await load();
    assert.ok(sim.page.text.includes('标记'));
    sim.page.tap('标记');
    assert.deepEqual(plain(sim.page.data['lastTap']), {});
    assert.ok(sim.page.text.includes('已标记'), 'the label follows the data');
    sim.page.tap('仅标记后可点');
    assert.equal(sim.page.data['marked'], false, 'an enabled button fires');
    assert.throws(() => sim.page.tap('仅标记后可点'), /is disabled/);
    assert.equal(sim.page.data['marked'], false, 'a disabled button does not');
    assert.throws(
      () => sim.page.tap('no such button'),
      (e: unknown) =>
        e instanceof SimulatorError &&
        e.code === SimulatorErrorCode.ELEMENT_NOT_FOUND &&
        /推流/.test(e.message),
    );
  });

  it('taps by handler name and types into an input', async () => {
    const sim = await load();
    sim.page.input('keyInput', 'room-42');
    assert.equal(sim.page.data['roomID'], 'room-42');
    assert.equal(sim.page.find('input')?.attrs['value'], 'room-42');
    sim.page.input('room id', 'by-placeholder');
    assert.equal(sim.page.data['roomID'], 'by-placeholder');
    sim.page.tapHandler('mark');
    assert.equal(sim.page.data['marked'], true);
    assert.deepEqual(sim.page.findAll('view').filter((v) => v.attrs['class'] === 'row').length, 2);
  });

  it('calls the setData callback after the render, on a later task', async () => {
    const sim = await load();
    const seen: unknown[] = [];
    const self = sim.page.self as {
      setData(p: unknown, cb: () => void): void;
      data: Record<string, unknown>;
    };
    self.setData({ 'items[2]': { name: 'c' } }, () => seen.push(sim.page.text.includes('2: c')));
    assert.deepEqual(seen, [], 'not called synchronously');
    assert.ok(sim.page.text.includes('2: c'), 'rendered at once');
    await sim.waitUntil(() => seen.length > 0);
    assert.deepEqual(seen, [true]);
  });

  it('navigates to a page with a query and back, recording UI calls', async () => {
    const sim = await load();
    sim.page.tap('second page');
    await sim.waitFor('page', (p) => p.route === 'pages/second/index' && p.action === 'load');
    assert.equal(sim.page.text, 'second from index back');
    assert.deepEqual(
      sim.pages.map((p) => p.route),
      ['pages/index/index', 'pages/second/index'],
    );
    assert.deepEqual(
      sim.uiCalls.map((c) => c.api),
      ['navigateTo', 'setNavigationBar'],
    );
    sim.page.tap('back');
    await sim.waitFor('page', (p) => p.action === 'unload');
    assert.equal(sim.page.route, 'pages/index/index');
    assert.deepEqual(plain((sim.page.data['lifecycle'] as string[]).slice(-2)), ['onHide', 'onShow']);
  });

  it('redirectTo replaces the page (onUnload), reLaunch empties the stack; an unknown route is an error event', async () => {
    const sim = await load();
    const first = sim.page;
    sim.run("my.redirectTo({ url: 'pages/second/index?from=redirect' })");
    await sim.waitFor('page', (p) => p.action === 'load' && p.route === 'pages/second/index');
    assert.deepEqual(
      sim.pages.map((p) => p.route),
      ['pages/second/index'],
    );
    assert.notEqual(sim.page, first);
    assert.equal(sim.page.data['from'], 'redirect');
    sim.run("my.navigateTo({ url: '/pages/index/index' })");
    await sim.waitFor('page', (p) => p.action === 'load' && p.route === 'pages/index/index');
    assert.equal(sim.pages.length, 2);
    sim.run("my.reLaunch({ url: '/pages/second/index?from=relaunch' })");
    await sim.waitUntil(() => sim.pages.length === 1 && sim.page.data['from'] === 'relaunch');
    const err = sim.waitFor('error');
    // Without callbacks the call returns a Promise, which the device rejects for an unknown page.
    sim.run(
      "my.navigateTo({ url: '/pages/nowhere/index' }).catch((e) => { globalThis.navError = e.error; })",
    );
    assert.match(
      String(((await err).error as Error).message),
      /no Page\(\) for route 'pages\/nowhere\/index'/,
    );
    await sim.waitUntil(() => sim.run('globalThis.navError'));
    assert.equal(sim.run('globalThis.navError'), 2);
  });

  it('throws a SimulatorError naming an unsupported my.* API', async () => {
    const sim = await load();
    assert.throws(
      () => sim.run('my.chooseImage({})'),
      (e: unknown) =>
        (e as Error).name === 'SimulatorError' &&
        /my\.chooseImage is not supported/.test((e as Error).message),
    );
    assert.equal(sim.run("'chooseImage' in my"), false);
    assert.equal(sim.run("'connectSocket' in my"), true);
    assert.throws(() => sim.run("my.call('somethingElse')"), /my.call\('somethingElse'\)/);
    assert.throws(() => sim.run('Component({})'), /Component\(\) \(custom components\) is not supported/);
  });

  it('answers device APIs with Alipay shapes: storage, system info, settings, UI records', async () => {
    const sim = await load();
    sim.run("my.setStorageSync({ key: 'k', data: { a: [1] } })");
    assert.equal(sim.run("my.getStorageSync({ key: 'k' }).data.a[0]"), 1);
    assert.equal(
      sim.run("my.getStorageSync({ key: 'k' }).data instanceof Object"),
      true,
      'objects of the app realm',
    );
    sim.run("my.removeStorageSync({ key: 'k' })");
    assert.equal(sim.run("my.getStorageSync({ key: 'k' }).data"), null);
    assert.equal(sim.run('my.getSystemInfoSync().platform'), 'Android');
    sim.run(`my.getSystemInfo({ success: (r) => { globalThis.sys = r.SDKVersion; } });
      my.getSetting({ success: (r) => { globalThis.cam = r.authSetting.camera; } });
      my.showToast({ content: 'hi', complete: () => { globalThis.toastDone = true; } });
      my.call('prepareRTCResource', {}, (r) => { globalThis.prepared = r.success; });`);
    await sim.waitUntil(() => sim.run('globalThis.toastDone && globalThis.prepared'));
    assert.equal(sim.run('globalThis.sys'), '2.9.11');
    assert.equal(sim.run('globalThis.cam'), true);
    assert.deepEqual(
      sim.uiCalls.map((c) => c.api),
      ['showToast', 'call:prepareRTCResource'],
    );
  });

  it('reports a throwing app callback as an error event instead of crashing', async () => {
    const sim = await load();
    sim.run("setTimeout(() => { throw new Error('boom in timer'); }, 0)");
    const e = await sim.waitFor('error');
    assert.match(String((e.error as Error).message), /boom in timer/);
  });

  it('refuses an app that never calls App(), and one whose files are missing', async () => {
    const broken = fileURLToPath(new URL('./fixtures/broken-app', import.meta.url));
    await assert.rejects(
      Simulator.load(broken),
      (e: unknown) => e instanceof SimulatorError && e.code === SimulatorErrorCode.APP_NOT_REGISTERED,
    );
    await assert.rejects(
      Simulator.load(fileURLToPath(new URL('./fixtures/no-such-app', import.meta.url))),
      (e: unknown) => e instanceof SimulatorError && e.code === SimulatorErrorCode.APP_LOAD_FAILED,
    );
  });

  it('reports a template that fails to render as an error event and keeps the last tree', async () => {
    const sim = await load();
    const before = sim.page.text;
    const page = new PageInstance('x', { data: { a: 1 } }, parseAxml('<view>{{ a + }}</view>'), {
      call: () => {},
      defer: () => {},
      rendered: () => assert.fail('must not count as rendered'),
      reportError: (e, where) => sim.events.emit('error', { error: e, where }),
    });
    const err = sim.waitFor('error');
    page.render();
    const { error, where } = await err;
    assert.equal((error as SimulatorError).code, SimulatorErrorCode.EXPRESSION_ERROR);
    assert.equal(where, 'render of x');
    assert.equal(page.renderCount, 0);
    assert.equal(sim.page.text, before);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MiniRtcServer } from '@minirtc/server';
import { WebSocket } from 'ws';
import { ZegoExpressEngine } from '../src/index.js';
import { createBrowserPlatform, detectBrowser } from '../src/platform-browser.js';
import { APP_ID, startServer, token } from './helpers/integration.js';

/** A window with online/offline events, enough for the browser adapter. */
class FakeWindow extends EventTarget {
  navigator = { userAgent: 'fake-browser', onLine: true };
}

describe('browser adapter (WebSocket + fetch + window events) against the real server', () => {
  let server: MiniRtcServer;
  const g = globalThis as { window?: unknown; WebSocket?: unknown };
  before(async () => {
    server = await startServer();
    g.window = new FakeWindow();
    g.WebSocket = WebSocket;
  });
  after(async () => {
    delete g.window;
    delete g.WebSocket;
    await server.close();
  });

  it('is detected when window and WebSocket exist, logs in, reports network changes', async () => {
    assert.equal(detectBrowser()?.name, 'browser');
    const platform = createBrowserPlatform();
    const seen: boolean[] = [];
    const stop = platform.onNetworkChange((online) => seen.push(online));
    (g.window as FakeWindow).dispatchEvent(new Event('offline'));
    (g.window as FakeWindow).dispatchEvent(new Event('online'));
    stop();
    (g.window as FakeWindow).dispatchEvent(new Event('offline'));
    assert.deepEqual(seen, [false, true]);

    const zg = new ZegoExpressEngine(APP_ID, server.wsUrl, {
      platform,
      log: { logLevel: 'disable', remoteLogLevel: 'info' },
    });
    assert.equal(await zg.loginRoom('room-browser', token('web', 'room-browser'), { userID: 'web' }), true);
    assert.equal(server.sessionState(APP_ID, 'web'), 'attached');
    await zg.log.flush(); // fetch POST to /httplog
    assert.ok(server.logs({ appID: APP_ID, userID: 'web' }).length > 0);
    await zg.logoutRoom();
    assert.equal(server.sessionState(APP_ID, 'web'), 'none');
    zg.destroyEngine();
  });

  it('a malformed URL fails like any connect failure (no throw)', async () => {
    const s = createBrowserPlatform().connect('not a url');
    const code = await new Promise<number>((resolve) => s.onClose((c) => resolve(c)));
    assert.equal(code, 1006);
  });
});

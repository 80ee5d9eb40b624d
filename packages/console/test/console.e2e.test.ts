/**
 * The console end to end: the built console served by the real platform, driven in headless Chromium,
 * with SDK engines in Node filling a room and ffmpeg publishing real media. Saves a screenshot of each
 * page under docs/screenshots/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ZegoExpressEngine } from '@minirtc/sdk';
import type { Page } from 'playwright-core';
import { DIST_DIR, ensureBuilt, PACKAGE_DIR } from './helpers/build.js';
import { launchBrowser, type TestBrowser } from './helpers/browser.js';
import { type Ffmpeg as Publisher, publishTestPattern } from '@minirtc/testkit';
import { CONSOLE_NODE_ID, type ConsolePlatform, startConsolePlatform } from './helpers/platform.js';
import { nextEvent } from './helpers/sdk-events.js';
import { WebhookReceiver } from './helpers/webhook-receiver.js';

// Page functions run in Chromium; this file is typechecked without the DOM library, so it names the
// little it touches there.
interface PageEl {
  textContent: string | null;
  value: string;
  currentTime: number;
  videoWidth: number;
  videoHeight: number;
  getAttribute(name: string): string | null;
  removeAttribute(name: string): void;
}
declare const document: {
  querySelector(selector: string): PageEl | null;
  querySelectorAll(selector: string): Iterable<PageEl>;
};
declare const sessionStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };
declare const navigator: { clipboard: { readText(): Promise<string> } };

const ADMIN_KEY = 'console-e2e-admin-key-0123456789';
/** Where page screenshots go: the committed docs/screenshots unless MINIRTC_SCREENSHOTS_DIR says otherwise. */
const SCREENSHOTS =
  process.env.MINIRTC_SCREENSHOTS_DIR ?? join(PACKAGE_DIR, '..', '..', 'docs', 'screenshots');
const ROOM = 'standup';
/** No step may hang the suite: each gets 30 s, the live preview a little more. */
const STEP = { timeout: 30_000 };

let env: ConsolePlatform;
let browser: TestBrowser;
let page: Page;
let hooks: WebhookReceiver;
let appID = 0;
const engines = new Map<string, ZegoExpressEngine>();
const publishers: Publisher[] = [];

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Goes to a console page by its hash route and waits for it to render. */
async function open(hash: string): Promise<void> {
  await page.goto(`${env.consoleUrl}#${hash}`);
  await page.waitForSelector(`#page[data-page="${hash.slice(1).split('?')[0]}"]`);
}

/** Logs `userID` into `roomID` with a token made by the console's own API. */
async function loginUser(userID: string, roomID: string): Promise<ZegoExpressEngine> {
  const { token } = await env.api<{ token: string }>('POST', `/apps/${appID}/tokens`, {
    userID,
    roomID,
    publish: true,
    ttlSeconds: 600,
  });
  return loginWith(userID, roomID, token);
}

async function loginWith(userID: string, roomID: string, token: string): Promise<ZegoExpressEngine> {
  const zg = new ZegoExpressEngine(appID, env.platform.server.wsUrl, {
    log: { logLevel: 'disable', remoteLogLevel: 'info' },
  });
  engines.set(userID, zg);
  assert.equal(
    await zg.loginRoom(roomID, token, { userID, userName: `${userID} (sdk)` }, { userUpdate: true }),
    true,
  );
  return zg;
}

/** The text of the console's error banner once it shows. */
async function errorBanner(): Promise<string> {
  const el = await page.waitForSelector('.notice.error');
  return (await el.textContent()) ?? '';
}

describe('console against the real platform', () => {
  before(
    async () => {
      ensureBuilt();
      mkdirSync(SCREENSHOTS, { recursive: true });
      hooks = new WebhookReceiver();
      await hooks.listen();
      env = await startConsolePlatform(DIST_DIR, ADMIN_KEY);
      browser = await launchBrowser();
      page = browser.page;
      // Fail with Playwright's own message (what it waited for) before the step's timeout hits.
      page.setDefaultTimeout(15_000);
      await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.httpUrl });
    },
    { timeout: 90_000 },
  );

  after(async () => {
    await Promise.all(publishers.map((p) => p.kill()));
    for (const zg of engines.values()) zg.destroyEngine();
    await browser?.close();
    await env?.platform.close();
    await hooks?.close();
  });

  it('serves the console and refuses a wrong admin key with the API’s code', STEP, async () => {
    await page.goto(env.consoleUrl);
    await page.waitForSelector('form.sign-in');
    await screenshot('sign-in');
    await page.fill('#admin-key', 'not-the-key');
    await page.click('form.sign-in button[type=submit]');
    const text = await errorBanner();
    assert.match(text, /1990073/, `error shows the API code: ${text}`);
    assert.match(text, /HTTP 401/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('minirtc.adminKey')), null);
  });

  it('signs in with the admin key, kept in sessionStorage', STEP, async () => {
    await page.fill('#admin-key', ADMIN_KEY);
    await page.click('form.sign-in button[type=submit]');
    await page.waitForSelector('#page[data-page="apps"]');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('minirtc.adminKey')), ADMIN_KEY);
  });

  it('creates an app with a callback URL and shows its secrets', STEP, async () => {
    await page.fill('#create-app input[name=name]', 'e2e-app');
    await page.fill('#create-app input[name=callbackUrl]', hooks.url);
    await page.click('#create-app button[type=submit]');
    const detail = await page.waitForSelector('#app-detail[data-app]');
    appID = Number(await detail.getAttribute('data-app'));
    assert.ok(appID > 0, 'the new app is selected');
    const apps = await env.api<
      { appID: number; serverSecret: string; callbackUrl?: string }[] | { apps: [] }
    >('GET', '/apps');
    const list = (Array.isArray(apps) ? apps : apps.apps) as {
      appID: number;
      serverSecret: string;
      callbackUrl?: string;
    }[];
    const created = list.find((a) => a.appID === appID);
    assert.ok(created, 'the API lists the app the console created');
    assert.equal(created.callbackUrl, hooks.url);
    await page.click('[data-action=show-server]');
    await page.waitForFunction(
      (s) => document.querySelector('[data-secret=server]')?.textContent === s,
      created.serverSecret,
    );
    await page.click('[data-action=show-server]');
    await page.waitForSelector(`#apps-table tr[data-app="${appID}"].selected`);
    await screenshot('apps');
  });

  it('rotates the ServerSecret and shows the new one', STEP, async () => {
    await page.click('[data-action=show-server]');
    const before = await page.textContent('[data-secret=server]');
    await page.click('[data-action=rotate-server]');
    await page.waitForFunction((old) => {
      const t = document.querySelector('[data-secret=server]')?.textContent ?? '';
      return t !== old && !t.includes('•');
    }, before);
    const after = (await page.textContent('[data-secret=server]')) ?? '';
    assert.equal(after.length, 32);
    const app = await env.api<{ serverSecret: string }>('GET', `/apps/${appID}`);
    assert.equal(app.serverSecret, after, 'the shown secret is the one the server now holds');
  });

  it('makes a temporary token that the SDK logs in with, and copies it', STEP, async () => {
    await open('/tokens');
    await page.fill('#token-form input[name=userID]', 'alice');
    await page.fill('#token-form input[name=roomID]', ROOM);
    await page.fill('#token-form input[name=ttlSeconds]', '600');
    await page.click('#token-form button[type=submit]');
    await page.waitForFunction(() => (document.querySelector('#token-output')?.value ?? '') !== '');
    const token = await page.inputValue('#token-output');
    assert.match(token, /^04/, 'a token04');
    await page.click('button.copy');
    await page.waitForSelector('button.copy[data-copied=true]');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
    await screenshot('tokens');
    // The token is real: the SDK logs in with it.
    await loginWith('alice', ROOM, token);
  });

  it('shows a bad token request with the API’s error', STEP, async () => {
    await page.fill('#token-form input[name=userID]', 'x'.repeat(65));
    await page.evaluate(() =>
      document.querySelector('#token-form input[name=userID]')?.removeAttribute('maxlength'),
    );
    await page.fill('#token-form input[name=userID]', 'x'.repeat(65));
    await page.click('#token-form button[type=submit]');
    const text = await errorBanner();
    assert.match(text, /Generate token: Error \d+ \(HTTP 4\d\d\)/, text);
    assert.equal(await page.inputValue('#token-output'), '');
  });

  it('watches the room fill as SDK clients log in', STEP, async () => {
    await open('/rooms');
    await page.waitForSelector(`#rooms-table tr[data-room="${ROOM}"]`);
    await page.click(`#rooms-table tr[data-room="${ROOM}"] a`);
    await page.waitForSelector(`#room-detail[data-room="${ROOM}"] #users-table tr[data-user="alice"]`);
    await loginUser('bob', ROOM);
    await loginUser('carol', ROOM);
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('#users-table tr[data-user]')]
          .map((r) => r.getAttribute('data-user'))
          .sort()
          .join() === 'alice,bob,carol',
    );
    await page.waitForFunction(
      (room) =>
        document.querySelector(`#rooms-table tr[data-room="${room}"] [data-col=users]`)?.textContent === '3',
      ROOM,
    );
    // Each user's row names the node holding its session (config nodeId).
    const nodes = await page.$$eval('#users-table tr[data-user] td.node', (tds) =>
      tds.map((td) => td.textContent),
    );
    assert.deepEqual(nodes, [CONSOLE_NODE_ID, CONSOLE_NODE_ID, CONSOLE_NODE_ID]);
  });

  it('plays a live stream in the preview (HTTP-FLV through mpegts.js)', STEP, async () => {
    const alice = engines.get('alice')!;
    const { url } = await alice.startPublishingStream('alice_main');
    const ff = publishTestPattern(url);
    publishers.push(ff);
    // If ffmpeg dies (refused URL, no encoder) fail with its stderr rather than a bare page timeout.
    const died = ff.exited.then((code) => {
      throw new Error(`ffmpeg exited ${code} before the preview played: ${ff.stderr()}`);
    });
    await Promise.race([
      page.waitForFunction(
        () => (document.querySelector('video[data-stream="alice_main"]')?.currentTime ?? 0) > 0.5,
        undefined,
        { timeout: 20_000 },
      ),
      died,
    ]);
    const t0 = await page.evaluate(
      () => document.querySelector('video[data-stream="alice_main"]')!.currentTime,
    );
    await page.waitForFunction(
      (t) => document.querySelector('video[data-stream="alice_main"]')!.currentTime > t + 1,
      t0,
      { timeout: 15_000 },
    );
    const size = await page.evaluate(() => {
      const v = document.querySelector('video[data-stream="alice_main"]')!;
      return [v.videoWidth, v.videoHeight];
    });
    assert.deepEqual(size, [320, 240], 'decoded frames of the published test pattern');
    assert.equal(
      await page.textContent('.stream[data-stream="alice_main"] .node'),
      `on ${CONSOLE_NODE_ID}`,
      'the stream tile names the node holding it',
    );
    await screenshot('rooms');
  });

  it('kicks a user: the SDK client gets DISCONNECTED 1002055 and the list drops them', STEP, async () => {
    const carol = engines.get('carol')!;
    const kicked = nextEvent(carol, 'roomStateUpdate', (_room, state) => state === 'DISCONNECTED');
    await page.click('#users-table tr[data-user="carol"] [data-action=kick]');
    const [roomID, state, code] = await kicked;
    assert.deepEqual([roomID, state, code], [ROOM, 'DISCONNECTED', 1002055]);
    await page.waitForFunction(() => !document.querySelector('#users-table tr[data-user="carol"]'));
  });

  it('shows the call timeline of the room', STEP, async () => {
    await page.click('#room-detail a[href^="#/timeline"]');
    await page.waitForSelector('#timeline-table tbody tr');
    const rows = await page.$$eval('#timeline-table tbody tr', (trs) =>
      trs.map((tr) => tr.textContent ?? ''),
    );
    assert.ok(
      rows.some((r) => r.includes('alice')),
      'alice appears in the timeline',
    );
    assert.ok(
      rows.some((r) => r.includes('alice_main')),
      'her stream appears in the timeline',
    );
    await screenshot('timeline');
  });

  it('filters the timeline to one user', STEP, async () => {
    await page.fill('#timeline-form input[name=user]', 'bob');
    await page.click('#timeline-form button[type=submit]');
    await page.waitForSelector('#page h2:has-text("user bob")');
    const users = await page.$$eval('#timeline-table tbody tr td:nth-child(3)', (tds) =>
      tds.map((td) => td.textContent),
    );
    assert.ok(users.length > 0 && users.every((u) => u === 'bob'), `only bob's entries: ${users.join()}`);
  });

  it('lists webhook deliveries and replays one to the receiver', STEP, async () => {
    const first = await hooks.wait((h) => h.body.event === 'room_login');
    const id = String(first.body.id);
    await open('/webhooks');
    const row = `#deliveries-table tr[data-event-id="${id}"]`;
    await page.waitForSelector(row);
    const countBefore = hooks.received.filter((h) => h.body.id === id).length;
    const mark = hooks.received.length;
    await page.click(`${row} [data-action=replay]`);
    const again = await hooks.wait((h) => h.body.id === id, mark);
    assert.equal(again.body.event, 'room_login');
    assert.ok(hooks.received.filter((h) => h.body.id === id).length > countBefore);
    // The log refreshes itself: the replayed attempt shows up without a reload.
    await page.waitForSelector(`${row}[data-attempt="2"] .badge.ok`);
  });

  it('saves a new callback URL and sends a test event to it', STEP, async () => {
    const url = `${hooks.url}?v=2`;
    await open('/apps');
    await page.fill('#app-settings input[name=callbackUrl]', url);
    await page.click('#app-settings button[type=submit]');
    await page.waitForSelector('.notice.info:has-text("Settings saved")');
    assert.equal((await env.api<{ callbackUrl: string }>('GET', `/apps/${appID}`)).callbackUrl, url);
    const mark = hooks.received.length;
    await open('/webhooks');
    await page.click('#test-webhook');
    const test = await hooks.wait((h) => h.body.event === 'test', mark);
    assert.equal(test.url, '/hook?v=2', 'delivered to the URL saved in the console');
    await page.waitForSelector('#deliveries-table tr[data-event="test"]');
  });

  it(
    'shows a failed delivery with its HTTP status, and replays it once the receiver is back',
    STEP,
    async () => {
      hooks.status = 500;
      const mark = hooks.received.length;
      await page.click('#test-webhook');
      const failed = await hooks.wait((h) => h.body.event === 'test', mark);
      const id = String(failed.body.id);
      const row = `#deliveries-table tr[data-event-id="${id}"]`;
      const badge = await page.waitForSelector(`${row}[data-attempt="1"] .badge.warn`);
      assert.equal(await badge.textContent(), 'failed · HTTP 500');
      hooks.status = 200;
      const mark2 = hooks.received.length;
      await page.click(`${row} [data-action=replay]`);
      await hooks.wait((h) => h.body.id === id, mark2);
      await page.waitForSelector(`${row}[data-attempt="2"] .badge.ok`);
      await screenshot('webhooks');
    },
  );

  it('searches SDK logs by user and text', STEP, async () => {
    // The SDK ships its logs in batches (every 5 s): push bob's now, then look, within a bound. A batch
    // already in flight makes flush() return at once, hence the bounded retry rather than one look.
    const deadline = performance.now() + 15_000;
    for (let attempt = 1; ; attempt++) {
      await engines.get('bob')!.log.flush();
      const r = await env.api<unknown>('GET', `/apps/${appID}/logs?userID=bob`);
      const rows = Array.isArray(r) ? r : (r as { logs: unknown[] }).logs;
      if (rows.length > 0) break;
      assert.ok(
        performance.now() < deadline,
        `no SDK log line from bob reached the server after ${attempt} flushes in 15 s`,
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await open('/logs');
    await page.fill('#logs-form input[name=user]', 'bob');
    await page.click('#logs-form button[type=submit]');
    // The unfiltered list may still be on screen: wait for the filtered answer to replace it.
    await page.waitForFunction(() => {
      const tds = [...document.querySelectorAll('#logs-table tbody tr td:nth-child(4)')];
      return tds.length > 0 && tds.every((td) => td.textContent === 'bob');
    });
    const users = await page.$$eval('#logs-table tbody tr td:nth-child(4)', (tds) =>
      tds.map((td) => td.textContent),
    );
    assert.ok(users.length > 0 && users.every((u) => u === 'bob'), `only bob's lines: ${users.join()}`);
    await screenshot('logs');
    await page.fill('#logs-form input[name=q]', 'no-such-text-anywhere-42');
    await page.click('#logs-form button[type=submit]');
    await page.waitForSelector('#page p.empty');
  });

  it('stops a stream: the room hears DELETE and the preview goes', STEP, async () => {
    await open(`/rooms?room=${ROOM}`);
    await page.waitForSelector('.stream[data-stream="alice_main"]');
    const gone = nextEvent(
      engines.get('bob')!,
      'roomStreamUpdate',
      (_r, type, list) =>
        type === 'DELETE' && (list as { streamID: string }[]).some((s) => s.streamID === 'alice_main'),
    );
    await page.click('.stream[data-stream="alice_main"] [data-action=stop-stream]');
    await gone;
    await page.waitForSelector('.stream[data-stream="alice_main"]', { state: 'detached' });
  });

  it('closes the room: every client is disconnected and the room ends', STEP, async () => {
    await open(`/rooms?room=${ROOM}`);
    await page.waitForSelector('#users-table tr[data-user="bob"]');
    // Every client still in the room (carol was kicked earlier) must be disconnected, not just one.
    const allOut = ['alice', 'bob'].map((u) =>
      nextEvent(engines.get(u)!, 'roomStateUpdate', (r, st) => r === ROOM && st === 'DISCONNECTED'),
    );
    await page.click('#close-room');
    await Promise.all(allOut);
    await page.waitForSelector('#room-ended');
    await page.waitForFunction(
      (room) => !document.querySelector(`#rooms-table tr[data-room="${room}"]`),
      ROOM,
    );
  });

  it('deletes an app and signs out', STEP, async () => {
    const { appID: doomed } = await env.api<{ appID: number }>('POST', '/apps', { name: 'doomed' });
    await open('/apps');
    await page.click(`#apps-table tr[data-app="${doomed}"] button`);
    await page.waitForSelector(`#app-detail[data-app="${doomed}"]`);
    await page.click('#app-detail button.danger:has-text("Delete app")');
    await page.waitForFunction((id) => !document.querySelector(`#apps-table tr[data-app="${id}"]`), doomed);
    await assert.rejects(env.api('GET', `/apps/${doomed}`), /404/);
    await page.click('#sign-out');
    await page.waitForSelector('form.sign-in');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('minirtc.adminKey')), null);
  });

  it('signs out when the server refuses the stored key', STEP, async () => {
    await page.evaluate(() => sessionStorage.setItem('minirtc.adminKey', 'revoked'));
    await page.goto(`${env.consoleUrl}#/apps`);
    await page.waitForSelector('form.sign-in .notice.error:not([hidden])');
    assert.match((await page.textContent('form.sign-in .notice.error')) ?? '', /1990073/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('minirtc.adminKey')), null);
    // Refused requests (the wrong key, the bad token, the closed room) show as resource errors; nothing may throw.
    assert.deepEqual(
      browser.errors.filter(
        (e) => !e.startsWith('Failed to load resource: the server responded with a status of 4'),
      ),
      [],
      'no page errors',
    );
  });
});

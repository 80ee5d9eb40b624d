/**
 * Issue 15 acceptance (console): a call recorded from the REST API is listed on the console's
 * Recordings page and downloaded in Chromium through the signed, expiring link the page shows; the
 * bytes are the MP4 the server finalized (ffprobe reads audio and video).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ZegoExpressEngine } from '@minirtc/sdk';
import { tamperQueryParam } from '@minirtc/testkit';
import { DIST_DIR, ensureBuilt } from './helpers/build.js';
import { launchBrowser, type TestBrowser } from './helpers/browser.js';
import { type ConsolePlatform, startConsolePlatform } from './helpers/platform.js';

const ADMIN_KEY = 'recordings-e2e-admin-key-0123456789';

describe('console: recordings downloaded through signed links', { timeout: 150_000 }, () => {
  let env: ConsolePlatform;
  let browser: TestBrowser;
  let zg: ZegoExpressEngine | undefined;

  before(async () => {
    ensureBuilt();
    env = await startConsolePlatform(DIST_DIR, ADMIN_KEY);
    browser = await launchBrowser();
  });

  after(async () => {
    zg?.destroyEngine();
    await browser?.close();
    await env?.platform.close();
  });

  it('lists a finished recording and downloads it in Chromium', async () => {
    const app = await env.api<{ appID: number }>('POST', '/apps', { name: 'rec-app' });
    const { token } = await env.api<{ token: string }>('POST', `/apps/${app.appID}/tokens`, {
      userID: 'agent',
      roomID: 'claim-9',
      publish: true,
      ttlSeconds: 600,
    });
    zg = new ZegoExpressEngine(app.appID, env.platform.server.wsUrl, {
      log: { logLevel: 'disable', remoteLogLevel: 'disable' },
    });
    assert.equal(await zg.loginRoom('claim-9', token, { userID: 'agent', userName: 'agent' }), true);
    const { url } = await zg.startPublishingStream('agent_cam');
    const task = await env.api<{ taskID: string }>('POST', `/apps/${app.appID}/recording-tasks`, {
      roomID: 'claim-9',
    });
    const svc = env.platform.server.operations.recording;
    assert.ok(svc);
    // Settles on the file's outcome either way, so a failed recording fails fast with its reason.
    const ready = new Promise<void>((resolve, reject) => {
      svc.once('ready', () => resolve());
      svc.once('failed', (r) => reject(new Error(`recording failed: ${r.error}`)));
    });
    // A 2-second call, published in real time.
    const pub = spawn(
      'ffmpeg',
      [
        ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-re'],
        ...['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=15:duration=2'],
        ...['-f', 'lavfi', '-i', 'sine=frequency=500:sample_rate=44100:duration=2'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '100', '-pix_fmt', 'yuv420p'],
        ...['-c:a', 'aac', '-b:a', '32k', '-f', 'flv', url],
      ],
      { stdio: 'ignore' },
    );
    const published = new Promise((r) => pub.once('exit', r));
    await ready;
    await published;
    await env.api('POST', `/apps/${app.appID}/recording-tasks/${task.taskID}/stop`);

    const page = browser.page;
    await page.goto(env.consoleUrl);
    await page.waitForSelector('form.sign-in');
    await page.fill('#admin-key', ADMIN_KEY);
    await page.click('form.sign-in button[type=submit]');
    await page.waitForSelector('#page[data-page="apps"]');
    await page.goto(`${env.consoleUrl}#/recordings`);
    const row = await page.waitForSelector('#recordings-table tr[data-state="ready"]');
    assert.match((await row.textContent()) ?? '', /agent_cam/);
    const href = await row.$eval('a[data-action="download"]', (a) => a.getAttribute('href'));
    assert.match(href ?? '', /^\/recordings\/\d+\/[\w-]+\.mp4\?expire=\d+&sig=[\w-]+&download=1$/);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#recordings-table a[data-action="download"]'),
    ]);
    const saved = join(mkdtempSync(join(tmpdir(), 'minirtc-dl-')), 'call.mp4');
    await download.saveAs(saved);
    assert.equal(await download.failure(), null);
    const probe = JSON.parse(
      execFileSync(
        'ffprobe',
        ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', saved],
        {
          encoding: 'utf8',
        },
      ),
    ) as { format: { duration: string }; streams: { codec_type: string }[] };
    assert.deepEqual(probe.streams.map((s) => s.codec_type).sort(), ['audio', 'video']);
    assert.ok(Math.abs(Number(probe.format.duration) - 2) <= 0.5, `duration ${probe.format.duration}`);
    assert.ok(readFileSync(saved).length > 1000);

    // The same link with its signature changed is refused in the browser too.
    const bad = await page.request.get(`${env.httpUrl}${tamperQueryParam(href ?? '', 'sig')}`);
    assert.equal(bad.status(), 403);
  });
});

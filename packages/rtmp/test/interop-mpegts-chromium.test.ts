import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { createRequire } from 'node:module';
import { after, afterEach, before, describe, it } from 'node:test';
import { type Browser, type Page, chromium } from 'playwright-core';
import { MediaServer } from '../src/index.js';
import { type TrackSet, mediaStarted, publishTracks } from './interop-helpers.js';
import { killAll } from './procs.js';

const T = { timeout: 90_000 };
const CHROMIUM = process.env.MINIRTC_CHROMIUM ?? '/usr/bin/chromium';
const mpegtsJs = readFileSync(createRequire(import.meta.url).resolve('mpegts.js'));

/** The page: mpegts.js served locally, a <video>, and a `play(url)` that records what the player saw. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>mpegts.js interop</title>
<video id="v" muted playsinline></video>
<script src="/mpegts.js"></script>
<script>
  window.result = { errors: [], mediaInfo: null };
  window.play = (url) => {
    // No hasAudio/hasVideo here: the FLV header's flags decide, as in a real player page.
    const p = mpegts.createPlayer({ type: 'flv', isLive: true, url }, { enableWorker: false, enableStashBuffer: false });
    p.on(mpegts.Events.ERROR, (type, detail, info) => window.result.errors.push([type, detail, info && info.code]));
    p.on(mpegts.Events.MEDIA_INFO, (mi) => { window.result.mediaInfo = { hasAudio: mi.hasAudio, hasVideo: mi.hasVideo }; });
    p.attachMediaElement(document.getElementById('v'));
    p.load();
    p.play().catch((e) => window.result.errors.push(['play', String(e)]));
    window.player = p;
  };
  window.stats = () => {
    const v = document.getElementById('v');
    return {
      frames: v.getVideoPlaybackQuality().totalVideoFrames,
      audioBytes: v.webkitAudioDecodedByteCount,
      time: v.currentTime,
    };
  };
</script>`;

/**
 * mpegts.js 1.8 in Debian's Chromium, the player of the console preview and of most web pages
 * using HTTP-FLV, against audio-only, video-only and A/V streams. The page comes from another
 * origin than the gateway, so CORS is exercised on every request.
 */
describe('interop: mpegts.js in Chromium (HTTP-FLV)', { concurrency: false }, () => {
  let server: MediaServer;
  let pageServer: Server;
  let pageOrigin = '';
  let browser: Browser;
  let page: Page;

  before(async () => {
    server = new MediaServer({
      rtmpPort: 0,
      httpPort: 0,
      authorizer: {
        authorize: (req) =>
          req.stream === 'denied' ? { ok: false, status: 'Unauthorized', reason: 'no grant' } : { ok: true },
      },
    });
    await server.listen();
    pageServer = createServer((req, res) => {
      if (req.url === '/mpegts.js') {
        res.writeHead(200, { 'Content-Type': 'text/javascript' });
        res.end(mpegtsJs);
      } else {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(PAGE);
      }
    });
    await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
    const a = pageServer.address();
    pageOrigin = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'],
    });
  });
  afterEach(async () => {
    await page?.close().catch(() => {});
    killAll();
  });
  after(async () => {
    killAll();
    await browser?.close();
    await new Promise<void>((resolve) => pageServer.close(() => resolve()));
    await server.close();
  });

  const flvUrl = (name: string) => `http://127.0.0.1:${server.httpPort}/live/${name}.flv`;

  async function playStream(name: string, tracks: TrackSet): Promise<void> {
    const started = mediaStarted(server, `live/${name}`);
    publishTracks(`rtmp://127.0.0.1:${server.rtmpPort}/live/${name}`, tracks);
    await started;
    page = await browser.newPage();
    await page.goto(pageOrigin);
    await page.evaluate(`window.play(${JSON.stringify(flvUrl(name))})`);
  }

  // Browser-side code is passed as strings: the repo's TypeScript config has no DOM library.
  interface Stats {
    frames: number;
    audioBytes: number;
    time: number;
  }
  interface PlayerResult {
    errors: unknown[];
    mediaInfo: { hasAudio: boolean; hasVideo: boolean } | null;
  }
  const stats = () => page.evaluate<Stats>('window.stats()');
  const result = () => page.evaluate<PlayerResult>('window.result');
  const until = (expr: string) => page.waitForFunction(expr, null, { timeout: 30_000 });

  it('plays an A/V stream: decoded video frames and audio bytes', T, async () => {
    await playStream('av', 'av');
    await until('window.stats().frames >= 25 && window.stats().audioBytes > 10000');
    const r = await result();
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.mediaInfo, { hasAudio: true, hasVideo: true });
  });

  it('plays an audio-only stream (FLV header says audio only): decoded audio, time advances', T, async () => {
    await playStream('audio-only', 'audio');
    await until('window.stats().audioBytes > 10000 && window.stats().time > 1');
    const r = await result();
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.mediaInfo, { hasAudio: true, hasVideo: false });
    assert.equal((await stats()).frames, 0);
  });

  it(
    'plays a video-only stream (FLV header says video only): decoded video frames, no audio',
    T,
    async () => {
      await playStream('video-only', 'video');
      await until('window.stats().frames >= 25');
      const r = await result();
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.mediaInfo, { hasAudio: false, hasVideo: true });
      assert.equal((await stats()).audioBytes, 0);
    },
  );

  it(
    'shows a cross-origin page the real status of a refusal (CORS on 403, preflight answered)',
    T,
    async () => {
      page = await browser.newPage();
      await page.goto(pageOrigin);
      // A custom header forces a CORS preflight (OPTIONS) before the GET.
      const seen = await page.evaluate<{ status: number; body: string }>(
        `fetch(${JSON.stringify(flvUrl('denied'))}, { headers: { 'X-Probe': '1' } })
        .then(async (r) => ({ status: r.status, body: await r.text() }))`,
      );
      assert.deepEqual(seen, { status: 403, body: 'no grant\n' });
      await page.evaluate(`window.play(${JSON.stringify(flvUrl('denied'))})`);
      await until('window.result.errors.length > 0');
      assert.deepEqual((await result()).errors[0], ['NetworkError', 'HttpStatusCodeInvalid', 403]);
    },
  );
});

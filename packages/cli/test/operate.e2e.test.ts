/**
 * The operations layer through the whole platform: a stream published with ffmpeg shows up in the
 * REST stream list with gateway stats, an operator watches it through `previewUrl` (HTTP-FLV) without
 * being in the room, closes it through the API (the gateway drops the media), and the timeline and
 * `/metrics` show what happened.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateToken04 } from '@minirtc/protocol/crypto';
import { ZegoExpressEngine } from '@minirtc/sdk';
import { loadConfig } from '../src/config.js';
import { startPlatform } from '../src/platform.js';
import type { Platform } from '../src/platform.js';
import { play, publishTestPattern, type Ffmpeg } from '@minirtc/testkit';

const appID = 535353;
const secret = '0123456789abcdef0123456789abcdef';
const adminKey = 'operate-e2e-admin-key';
let platform: Platform;
const procs: Ffmpeg[] = [];
const engines: ZegoExpressEngine[] = [];

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are inspected field by field
async function api(method: string, path: string): Promise<{ status: number; body: any }> {
  const r = await fetch(`${platform.server.httpUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}` },
  });
  return { status: r.status, body: await r.json() };
}

describe('operate: streams, preview, close, timeline, metrics through the platform', () => {
  before(async () => {
    const config = loadConfig({
      flags: {
        port: '0',
        'rtmp.port': '0',
        dataDir: mkdtempSync(join(tmpdir(), 'minirtc-operate-')),
        logLevel: 'silent',
      },
    });
    platform = await startPlatform(config, { apps: [{ appID, serverSecret: secret }], adminKey });
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    for (const e of engines) e.destroyEngine();
    await platform.close();
  });

  it('preview URL plays over HTTP-FLV; DELETE drops the media; timeline and metrics record it', async () => {
    const zg = new ZegoExpressEngine(appID, platform.server.wsUrl);
    engines.push(zg);
    const token = generateToken04({ appID, userID: 'op-pub', secret, ttlSeconds: 600 });
    assert.equal(await zg.loginRoom('op-room', token, { userID: 'op-pub', userName: 'pub' }), true);
    const { url } = await zg.startPublishingStream('op_s');
    const live = new Promise((resolve) => platform.server.once('streamLive', resolve));
    const pub = publishTestPattern(url);
    procs.push(pub);
    await live;

    const list = (await api('GET', `/apps/${appID}/streams`)).body.streams;
    assert.equal(list.length, 1);
    assert.equal(list[0].live, true);
    assert.ok(list[0].previewUrl.startsWith(`${platform.server.httpUrl}/live/op_s.flv?`), list[0].previewUrl);

    const viewer = play(list[0].previewUrl);
    procs.push(viewer);
    await viewer.waitFrames(25, 10);
    const stats = (await api('GET', `/apps/${appID}/streams`)).body.streams[0];
    assert.ok(stats.bytesIn > 0, 'gateway stats reach the list');
    assert.equal(stats.players, 1);

    const metrics = await (await fetch(`${platform.server.httpUrl}/metrics`)).text();
    const bytesIn = Number(/^minirtc_media_bytes_in (\d+)/m.exec(metrics)?.[1]);
    assert.ok(bytesIn > 0, 'bytes in on /metrics');
    assert.match(metrics, /^minirtc_media_players 1$/m);
    const gop = (text: string, kind: string) =>
      Number(new RegExp(`^minirtc_media_gop_cache_bytes\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    assert.ok(gop(metrics, 'cached') > 0, 'the live stream has a cached GOP on /metrics');
    assert.ok(gop(metrics, 'blocks') >= gop(metrics, 'cached'), 'blocks hold the cached bytes');

    const gone = new Promise((resolve) => platform.server.once('streamGone', resolve));
    assert.equal((await api('DELETE', `/apps/${appID}/streams/op_s`)).status, 200);
    await viewer.exited;
    assert.equal(
      platform.media!.streams().filter((s) => s.key === `${appID}/op_s`).length,
      0,
      'media dropped',
    );
    await gone;
    const after = await (await fetch(`${platform.server.httpUrl}/metrics`)).text();
    assert.equal(gop(after, 'cached'), 0, 'the ended stream no longer holds a GOP');
    assert.deepEqual(
      (await api('GET', `/apps/${appID}/streams`)).body.streams,
      [],
      'released, not only gone',
    );

    const tl = (await api('GET', `/apps/${appID}/timeline?roomID=op-room`)).body.events as {
      type: string;
      userID?: string;
    }[];
    const kinds = tl.map((e) => `${e.type}:${e.userID ?? ''}`);
    for (const k of [
      'request.publish:op-pub',
      'stream.live:op-pub',
      'media.publishStart:op-pub',
      'media.playStart:~console',
      'stream.gone:op-pub',
    ]) {
      assert.ok(kinds.includes(k), `${k} in ${kinds.join(', ')}`);
    }
  });
});

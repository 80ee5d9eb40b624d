import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import { after, afterEach, before, describe, it } from 'node:test';
import { inspectVideo } from '../src/protocol/codec.js';
import { FlvReader } from '../src/protocol/flv.js';
import {
  type MediaServer as MediaServerT,
  MediaServer,
  type StreamInfo,
  type StreamRequest,
} from '../src/index.js';
import { clientScript } from './helpers.js';
import { RawClient, killAll, play, publish, run } from './procs.js';

const T = { timeout: 90_000 };

describe('e2e with ffmpeg', { concurrency: false }, () => {
  let server: MediaServerT;
  const requests: StreamRequest[] = [];
  const events: Array<{ ev: string; key: string; arg?: unknown }> = [];

  function nextEvent(ev: string, key: string): Promise<StreamInfo> {
    return new Promise((resolve) => {
      const handler = (info: StreamInfo) => {
        if (info.key !== key) return;
        server.off(ev as 'publishStart', handler);
        resolve(info);
      };
      server.on(ev as 'publishStart', handler);
    });
  }

  before(async () => {
    server = new MediaServer({
      rtmpPort: 0,
      httpPort: 0,
      takeoverGraceMs: 60_000,
      authorizer: {
        authorize(req) {
          requests.push(req);
          if (req.stream === 'denied')
            return { ok: false, status: 'Unauthorized', reason: 'no grant for this stream' };
          if (req.stream === 'missing') return { ok: false, status: 'NotFound', reason: 'no such stream' };
          return { ok: true, owner: req.query.user, tag: { user: req.query.user } };
        },
      },
    });
    for (const ev of ['publishStart', 'publishReplaced', 'publishStop'] as const) {
      server.on(ev, (info: StreamInfo, arg?: unknown) => events.push({ ev, key: info.key, arg }));
    }
    await server.listen();
  });

  // Each test's ffmpegs go when it ends: several x264 encoders at once would starve a 2-core box.
  afterEach(() => killAll());

  after(async () => {
    killAll();
    await server.close();
  });

  const rtmp = (path: string) => `rtmp://127.0.0.1:${server.rtmpPort}/${path}`;
  const flv = (path: string) => `http://127.0.0.1:${server.httpPort}/${path}`;

  it('relays ffmpeg → RTMP → ffmpeg: ≥ 50 decoded video frames and audio', T, async () => {
    const started = nextEvent('publishStart', 'live/s1');
    const pub = publish(rtmp('live/s1?x=y'));
    const info = await started;
    assert.equal(info.app, 'live');
    assert.equal(info.stream, 's1');
    const req = requests.find((r) => r.kind === 'publish' && r.stream === 's1');
    assert.deepEqual(req?.query, { x: 'y' });
    assert.equal(req?.protocol, 'rtmp');
    const player = play(rtmp('live/s1'), 50);
    const { code } = await player.exited;
    assert.equal(code, 0, player.stderr());
    assert.equal(player.video, 50);
    assert.ok(player.audio > 10, `audio frames: ${player.audio}`);
    const s = server.streams().find((x) => x.key === 'live/s1');
    assert.equal(s?.videoCodec, 'avc');
    assert.equal(s?.audioCodec, 'aac');
    assert.ok((s?.bytesIn ?? 0) > 0 && (s?.bytesOut ?? 0) > 0);
    pub.proc.kill('SIGKILL');
  });

  it('relays over HTTP-FLV with the same authorizer', T, async () => {
    const started = nextEvent('publishStart', 'live/s2');
    publish(rtmp('live/s2'));
    await started;
    const player = play(flv('live/s2.flv?token=t1'), 50);
    const { code } = await player.exited;
    assert.equal(code, 0, player.stderr());
    assert.equal(player.video, 50);
    assert.ok(player.audio > 10);
    const req = requests.find((r) => r.protocol === 'http-flv' && r.stream === 's2');
    assert.deepEqual(req && { kind: req.kind, app: req.app, query: req.query }, {
      kind: 'play',
      app: 'live',
      query: { token: 't1' },
    });
  });

  it('starts a late joiner at a keyframe from the GOP cache', T, async () => {
    const started = nextEvent('publishStart', 'live/s3');
    publish(rtmp('live/s3'));
    await started;
    // Wait until more than one GOP (25 frames) went by, so the cache holds a later keyframe.
    const observer = play(flv('live/s3.flv'));
    await observer.untilVideo(40);
    const c = new RawClient(server.rtmpPort);
    const t0 = performance.now();
    c.write(...clientScript('play', 'live', 's3'));
    await c.until(() => c.videos().some((v) => !inspectVideo(v).sequenceHeader));
    console.log(`late joiner: first video frame ${(performance.now() - t0).toFixed(1)} ms after connecting`);
    const vids = c.videos();
    assert.ok(inspectVideo(vids[0]!).sequenceHeader, 'AVC sequence header first');
    const firstFrame = vids.find((v) => !inspectVideo(v).sequenceHeader)!;
    assert.ok(inspectVideo(firstFrame).keyframe, 'first frame is a keyframe');
    assert.ok(c.out.codes().includes('NetStream.Play.Start'));
    // Same over HTTP-FLV: header, metadata, sequence headers, then a keyframe.
    const tags = await new Promise<number[]>((resolve, reject) => {
      const reader = new FlvReader();
      const seen: number[] = [];
      let done = false;
      get(flv('live/s3.flv'), (res) => {
        res.on('data', (d: Buffer) => {
          if (done) return;
          for (const t of reader.push(d)) {
            if (t.type === 9 && !inspectVideo(t.body).sequenceHeader) {
              seen.push(inspectVideo(t.body).keyframe ? 1 : 0);
              done = true;
              res.destroy();
              resolve(seen);
              return;
            }
            seen.push(t.type);
          }
        });
      }).on('error', reject);
    });
    assert.equal(tags[0], 18, 'metadata first');
    assert.equal(tags.at(-1), 1, 'first video frame is a keyframe');
    c.socket.destroy();
    observer.proc.kill('SIGKILL');
  });

  it('refuses an unauthorized publish: ffmpeg fails, no publishStart', T, async () => {
    const pub = publish(rtmp('live/denied?user=x'));
    const { code } = await pub.exited;
    assert.notEqual(code, 0);
    assert.match(pub.stderr(), /no grant for this stream/);
    assert.ok(!events.some((e) => e.key === 'live/denied'));
    const status = (path: string) =>
      new Promise<number>((resolve, reject) => {
        get(flv(path), (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      });
    assert.equal(await status('live/denied.flv'), 403);
    assert.equal(await status('live/missing.flv'), 404);
    assert.equal(await status('not-flv'), 404);
  });

  it(
    'lets the same owner take over within the grace window; RTMP and HTTP-FLV players keep going',
    T,
    async () => {
      const key = 'live/s4';
      const started = nextEvent('publishStart', key);
      const a = publish(rtmp('live/s4?user=alice'));
      await started;
      const player = play(rtmp('live/s4'));
      const flvPlayer = play(flv('live/s4.flv'));
      await player.untilVideo(30);
      await flvPlayer.untilVideo(30);
      // Another owner cannot publish the live key.
      const bob = publish(rtmp('live/s4?user=bob'));
      assert.notEqual((await bob.exited).code, 0);
      assert.match(bob.stderr(), /already published/);
      a.proc.kill('SIGKILL');
      await a.exited;
      const replaced = nextEvent('publishReplaced', key);
      publish(rtmp('live/s4?user=alice'));
      await replaced;
      const atSwitch = player.video;
      const flvAtSwitch = flvPlayer.video;
      await Promise.all([player.untilVideo(atSwitch + 50), flvPlayer.untilVideo(flvAtSwitch + 50)]);
      assert.deepEqual(
        events.filter((e) => e.key === key).map((e) => e.ev),
        ['publishStart', 'publishReplaced'],
      );
      assert.equal(player.proc.exitCode, null, 'RTMP player still running');
      assert.equal(flvPlayer.proc.exitCode, null, 'HTTP-FLV player still running');
    },
  );

  it('closes a client sending garbage without disturbing another playback', T, async () => {
    const started = nextEvent('publishStart', 'live/s5');
    publish(rtmp('live/s5'));
    await started;
    const player = play(rtmp('live/s5'));
    await player.untilVideo(10);
    const junk1 = new RawClient(server.rtmpPort);
    junk1.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    const junk2 = new RawClient(server.rtmpPort);
    const [c0c1, c2] = clientScript('play', 'live', 's5');
    junk2.write(c0c1!, c2!, Buffer.from([0x46, 0xff]), randomBytes(4000));
    const junk3 = new RawClient(server.rtmpPort);
    // A declared 16 MB message: refused at the header.
    junk3.write(c0c1!, c2!, Buffer.from([0x03, 0, 0, 0, 0xff, 0xff, 0xff, 0x14, 0, 0, 0, 0]));
    await Promise.all([junk1.closed, junk2.closed, junk3.closed]);
    const n = player.video;
    await player.untilVideo(n + 50);
    assert.equal(player.proc.exitCode, null);
    player.proc.kill('SIGKILL');
  });

  it('closeStream ends the publisher and the players with publishStop "closed"', T, async () => {
    const started = nextEvent('publishStart', 'live/s6');
    const pub = publish(rtmp('live/s6'));
    await started;
    const player = play(rtmp('live/s6'));
    await player.untilVideo(5);
    const stopped = new Promise<string>((resolve) => {
      server.on('publishStop', (i, r) => {
        if (i.key === 'live/s6') resolve(r);
      });
    });
    assert.equal(server.closeStream('live/s6'), true);
    assert.equal(await stopped, 'closed');
    await Promise.all([pub.exited, player.exited]);
    assert.ok(!server.streams().some((s) => s.key === 'live/s6'));
  });

  it('ends the stream at once with "normal" when ffmpeg stops cleanly (SIGINT)', T, async () => {
    const started = nextEvent('publishStart', 'live/s7');
    const pub = publish(rtmp('live/s7'));
    await started;
    const player = play(rtmp('live/s7'));
    await player.untilVideo(5);
    const stopped = new Promise<string>((resolve) => {
      server.on('publishStop', (i, r) => {
        if (i.key === 'live/s7') resolve(r);
      });
    });
    pub.proc.kill('SIGINT'); // ffmpeg sends FCUnpublish + deleteStream before leaving
    assert.equal(await stopped, 'normal');
    await player.exited; // the player is told the stream ended and is closed
    assert.ok(!server.streams().some((s) => s.key === 'live/s7'));
  });

  it('lets a player that connects before the publisher wait, then decode', T, async () => {
    const playing = new Promise<void>((resolve) => {
      server.on('playStart', (i) => {
        if (i.key === 'live/s8') resolve();
      });
    });
    const player = play(rtmp('live/s8'), 50);
    await playing; // attached to a stream nobody publishes yet
    assert.ok(!server.streams().some((s) => s.key === 'live/s8'), 'not listed before it is published');
    publish(rtmp('live/s8'));
    const { code } = await player.exited;
    assert.equal(code, 0, player.stderr());
    assert.equal(player.video, 50);
    assert.ok(player.audio > 10);
  });

  it('serves librtmp (rtmpdump) as a player too', T, async () => {
    const started = nextEvent('publishStart', 'live/s9');
    publish(rtmp('live/s9'));
    await started;
    const dump = run('rtmpdump', ['-q', '--live', '-r', rtmp('live/s9'), '-o', '-']);
    const reader = new FlvReader();
    let video = 0;
    let keyframes = 0;
    let audio = 0;
    await new Promise<void>((resolve, reject) => {
      dump.proc.stdout!.on('data', (d: Buffer) => {
        for (const t of reader.push(d)) {
          if (t.type === 8) audio++;
          if (t.type !== 9) continue;
          video++;
          if (inspectVideo(t.body).keyframe) keyframes++;
        }
        if (video >= 50) resolve();
      });
      void dump.exited.then(() =>
        reject(new Error(`rtmpdump exited after ${video} video tags: ${dump.stderr()}`)),
      );
    });
    assert.ok(keyframes >= 1);
    assert.ok(audio > 10, `audio tags: ${audio}`);
  });
});

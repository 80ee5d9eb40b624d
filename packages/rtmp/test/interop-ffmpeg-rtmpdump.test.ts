import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { MediaServer } from '../src/index.js';
import { type TrackSet, decode, mediaStarted, publishTracks } from './interop-helpers.js';
import { killAll, run } from './procs.js';

const T = { timeout: 90_000 };

/** ffmpeg (libavformat's RTMP and FLV) and rtmpdump (librtmp) as players, decoding what they get. */
describe('interop: ffmpeg and rtmpdump players', { concurrency: false }, () => {
  let server: MediaServer;
  before(async () => {
    server = new MediaServer({ rtmpPort: 0, httpPort: 0 });
    await server.listen();
  });
  afterEach(() => killAll());
  after(async () => {
    killAll();
    await server.close();
  });

  async function publishAndWait(name: string, tracks: TrackSet): Promise<void> {
    const started = mediaStarted(server, `live/${name}`);
    publishTracks(`rtmp://127.0.0.1:${server.rtmpPort}/live/${name}`, tracks);
    await started;
  }

  it('rtmpdump (librtmp) output decodes in ffmpeg: 50 video frames and audio', T, async () => {
    await publishAndWait('dump', 'av');
    const dump = run('rtmpdump', [
      '-q',
      '--live',
      '-r',
      `rtmp://127.0.0.1:${server.rtmpPort}/live/dump`,
      '-o',
      '-',
    ]);
    const dec = decode(['-f', 'flv', '-i', 'pipe:0'], { stdin: dump.proc.stdout!, maxVideo: 50 });
    const { code } = await dec.exited;
    assert.equal(code, 0, `${dec.stderr()}\n${dump.stderr()}`);
    assert.equal(dec.video, 50);
    assert.ok(dec.audio >= 40, `decoded audio frames: ${dec.audio}`);
  });

  for (const [tracks, flags, label] of [
    ['audio', 0x04, 'audio-only'],
    ['video', 0x01, 'video-only'],
    ['av', 0x05, 'A/V'],
  ] as const) {
    it(`HTTP-FLV of a ${label} stream: header flags 0x0${flags}, and ffmpeg decodes it`, T, async () => {
      const name = `flags-${tracks}`;
      await publishAndWait(name, tracks);
      const url = `http://127.0.0.1:${server.httpPort}/live/${name}.flv`;
      const ctl = new AbortController();
      const res = await fetch(url, { signal: ctl.signal });
      const reader = res.body!.getReader();
      let head = Buffer.alloc(0);
      while (head.length < 13) {
        const { value, done } = await reader.read();
        if (done) break;
        head = Buffer.concat([head, value]);
      }
      ctl.abort();
      assert.equal(head.toString('latin1', 0, 3), 'FLV');
      assert.equal(head[4], flags);
      const dec = decode(['-rw_timeout', '15000000', '-i', url]);
      if (tracks !== 'audio') await dec.until('video', 25);
      if (tracks !== 'video') await dec.until('audio', 40);
      dec.proc.kill('SIGKILL');
      if (tracks === 'audio') assert.equal(dec.video, 0, 'no video in an audio-only stream');
      if (tracks === 'video') assert.equal(dec.audio, 0, 'no audio in a video-only stream');
    });
  }
});

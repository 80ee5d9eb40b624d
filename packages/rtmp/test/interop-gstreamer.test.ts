import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { MediaServer, type StreamInfo } from '../src/index.js';
import { decode, publishTracks } from './interop-helpers.js';
import { type Proc, killAll, run } from './procs.js';

const T = { timeout: 90_000 };

/** A gst-launch pipeline whose fakesinks print one `chain` line per buffer (-v, silent=false). */
function gstCounting(
  pipeline: string[],
): Proc & { count(sink: string): number; until(test: () => boolean): Promise<void> } {
  const p = run('gst-launch-1.0', ['-v', ...pipeline]) as Proc & {
    count(sink: string): number;
    until(test: () => boolean): Promise<void>;
  };
  const counts = new Map<string, number>();
  const waiters: Array<() => void> = [];
  let buf = '';
  p.proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) {
      const m = /last-message = chain +\*+ \((\w+):sink\)/.exec(l);
      if (m) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
    }
    for (const w of [...waiters]) w();
  });
  p.count = (sink) => counts.get(sink) ?? 0;
  p.until = (test) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!test()) return;
        waiters.splice(waiters.indexOf(check), 1);
        resolve();
      };
      waiters.push(check);
      check();
      void p.exited.then(() => {
        if (!test()) reject(new Error(`gst-launch exited early: ${[...counts]} ${p.stderr()}`));
      });
    });
  return p;
}

/** GStreamer 1.22 (Debian 12): rtmp2sink publishing, rtmp2src playing, decoded with avdec. */
describe('interop: GStreamer', { concurrency: false }, () => {
  let server: MediaServer;
  before(async () => {
    server = new MediaServer({ rtmpPort: 0 });
    await server.listen();
  });
  afterEach(() => killAll());
  after(async () => {
    killAll();
    await server.close();
  });
  const url = (name: string) => `rtmp://127.0.0.1:${server.rtmpPort}/live/${name}`;
  const once = <E extends 'publishStart' | 'publishStop'>(ev: E, key: string) =>
    new Promise<[StreamInfo, string | undefined]>((resolve) => {
      const h = (i: StreamInfo, r?: string) => {
        if (i.key !== key) return;
        server.off(ev, h);
        resolve([i, r]);
      };
      server.on(ev, h);
    });

  it(
    'rtmp2sink publishes 75 frames and stops cleanly (exit 0, publishStop "normal"); ffmpeg decodes them',
    T,
    async () => {
      // The player waits for the stream first, so it decodes every frame from the first one.
      const stopped = once('publishStop', 'live/gst-pub');
      const waiting = new Promise<void>((resolve) => server.once('playStart', () => resolve()));
      const player = decode(['-rw_timeout', '15000000', '-i', url('gst-pub')]);
      await waiting;
      const gst = run('gst-launch-1.0', [
        '-e',
        'videotestsrc',
        'is-live=true',
        'num-buffers=75',
        '!',
        'video/x-raw,width=320,height=240,framerate=25/1',
        '!',
        'openh264enc',
        'gop-size=25',
        '!',
        'h264parse',
        '!',
        'flvmux',
        'streamable=true',
        'name=m',
        '!',
        'rtmp2sink',
        `location=${url('gst-pub')}`,
        'audiotestsrc',
        'is-live=true',
        'num-buffers=129',
        '!',
        'voaacenc',
        '!',
        'aacparse',
        '!',
        'm.',
      ]);
      const [{ code }] = await Promise.all([gst.exited, player.exited]);
      assert.equal(code, 0, `rtmp2sink must stop without "connection closed remotely": ${gst.stderr()}`);
      assert.equal((await stopped)[1], 'normal');
      assert.equal(player.video, 75, player.stderr());
      // 129 buffers of 1024 samples = 3 s of audio; AAC priming and flush shift a frame or two.
      assert.ok(player.audio >= 127 && player.audio <= 131, `decoded audio frames: ${player.audio}`);
    },
  );

  it('rtmp2src plays an ffmpeg stream: 50 decoded video frames and 40 decoded audio buffers', T, async () => {
    const started = once('publishStart', 'live/gst-play');
    publishTracks(url('gst-play'), 'av');
    await started;
    const gst = gstCounting([
      'rtmp2src',
      `location=${url('gst-play')}`,
      '!',
      'flvdemux',
      'name=d',
      'd.video',
      '!',
      'queue',
      '!',
      'h264parse',
      '!',
      'avdec_h264',
      '!',
      'fakesink',
      'name=vs',
      'silent=false',
      'd.audio',
      '!',
      'queue',
      '!',
      'aacparse',
      '!',
      'avdec_aac',
      '!',
      'fakesink',
      'name=as',
      'silent=false',
    ]);
    await gst.until(() => gst.count('vs') >= 50 && gst.count('as') >= 40);
    assert.ok(gst.count('vs') >= 50);
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MediaServer } from '../src/index.js';
import { killAll, play, publish, run } from './procs.js';

describe('e2e recording', () => {
  let server: MediaServer;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'minirtc-rec-'));
    server = new MediaServer({ rtmpPort: 0, recordDir: dir });
    await server.listen();
  });

  after(async () => {
    killAll();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('records a published stream to a playable FLV file', { timeout: 90_000 }, async () => {
    const started = new Promise<string>((resolve) => server.once('recordStart', (_k, p) => resolve(p)));
    const t0 = performance.now();
    publish(`rtmp://127.0.0.1:${server.rtmpPort}/live/rec1`);
    const path = await started;
    assert.ok(path.startsWith(dir));
    assert.match(path, /live_rec1-\d+\.flv$/);
    const player = play(`rtmp://127.0.0.1:${server.rtmpPort}/live/rec1`, 75);
    assert.equal((await player.exited).code, 0, player.stderr());
    const stopped = new Promise<string>((resolve) => server.once('recordStop', (_k, p) => resolve(p)));
    server.closeStream('live/rec1');
    const elapsedS = (performance.now() - t0) / 1000;
    assert.equal(await stopped, path);
    const probe = run('ffprobe', [
      '-v',
      'error',
      '-count_frames',
      '-show_entries',
      'stream=codec_type,codec_name,nb_read_frames',
      '-of',
      'csv=p=0',
      path,
    ]);
    let out = '';
    probe.proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    assert.equal((await probe.exited).code, 0, probe.stderr());
    const rows = out
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    const video = rows.find((r) => r[1] === 'video');
    const audio = rows.find((r) => r[1] === 'audio');
    assert.equal(video?.[0], 'h264');
    assert.equal(audio?.[0], 'aac');
    // The recorder joined before the player (recordStart came first) and left after it, so it holds
    // at least the 75 frames the player decoded; ffmpeg -re cannot have sent more than 25 fps allows.
    const frames = Number(video?.[2]);
    assert.ok(frames >= 75, `recorded video frames: ${frames}, the player decoded 75`);
    assert.ok(
      frames <= Math.ceil(25 * elapsedS) + 25,
      `${frames} frames in ${elapsedS.toFixed(1)} s at 25 fps`,
    );
    // 75 frames are 3 s: at 44.1 kHz, 1024 samples a frame, that is 129 AAC frames (a few at the edges).
    assert.ok(Number(audio?.[2]) >= 125, `recorded audio frames: ${audio?.[2]}`);
  });
});

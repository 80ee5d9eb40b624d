import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { MediaServer } from '../src/index.js';
import { decode, mediaStarted, publishTracks, startNginxRtmp } from './interop-helpers.js';
import { killAll } from './procs.js';

const T = { timeout: 90_000 };

/** nginx-rtmp (Debian's libnginx-mod-rtmp) relaying into MiniRTC (push) and out of it (pull). */
describe('interop: nginx-rtmp relay', { concurrency: false }, () => {
  let server: MediaServer;
  const stops: Array<() => Promise<void>> = [];

  before(async () => {
    server = new MediaServer({ rtmpPort: 0 });
    await server.listen();
  });
  afterEach(async () => {
    killAll();
    for (const stop of stops.splice(0)) await stop();
  });
  after(async () => {
    killAll();
    await server.close();
  });

  const mediaStart = (key: string) => mediaStarted(server, key);

  it('takes nginx-rtmp `push` into MiniRTC: ffmpeg decodes A/V from MiniRTC', T, async () => {
    const nginx = await startNginxRtmp(`push rtmp://127.0.0.1:${server.rtmpPort}/live;`);
    stops.push(nginx.stop);
    const started = mediaStart('live/via-nginx');
    publishTracks(`rtmp://127.0.0.1:${nginx.port}/live/via-nginx`, 'av');
    await started;
    const player = decode(
      ['-rw_timeout', '15000000', '-i', `rtmp://127.0.0.1:${server.rtmpPort}/live/via-nginx`],
      {
        maxVideo: 50,
      },
    );
    const { code } = await player.exited;
    assert.equal(code, 0, player.stderr());
    assert.equal(player.video, 50);
    assert.ok(player.audio >= 40, `decoded audio frames: ${player.audio}`);
    const s = server.streams().find((x) => x.key === 'live/via-nginx');
    assert.deepEqual([s?.videoCodec, s?.audioCodec], ['avc', 'aac']);
  });

  it('serves nginx-rtmp `pull` from MiniRTC: ffmpeg decodes A/V from nginx', T, async () => {
    const started = mediaStart('live/to-nginx');
    publishTracks(`rtmp://127.0.0.1:${server.rtmpPort}/live/to-nginx`, 'av');
    await started;
    const plays: string[] = [];
    server.on('playStart', (i) => plays.push(i.key));
    const nginx = await startNginxRtmp(`pull rtmp://127.0.0.1:${server.rtmpPort}/live;`);
    stops.push(nginx.stop);
    const player = decode(['-rw_timeout', '15000000', '-i', `rtmp://127.0.0.1:${nginx.port}/live/to-nginx`], {
      maxVideo: 50,
    });
    const { code } = await player.exited;
    assert.equal(code, 0, player.stderr());
    assert.equal(player.video, 50);
    assert.ok(player.audio >= 40, `decoded audio frames: ${player.audio}`);
    assert.deepEqual(plays, ['live/to-nginx'], 'nginx pulled once, as the only player');
  });
});

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { MediaServer } from '../src/index.js';
import type { Logger } from '../src/server/rtmp-server.js';
import { decode, mediaStarted, publishTracks, startNms } from './interop-helpers.js';
import { killAll } from './procs.js';

const T = { timeout: 90_000 };

/**
 * node-media-server 4 as a relay in front of and behind MiniRTC. Its RTMP client sends media on
 * message stream id 0 (push), and only starts listening for media after Play.Start has been
 * processed (pull): both used to leave players without frames.
 */
describe('interop: node-media-server relay', { concurrency: false }, () => {
  let server: MediaServer;
  const warnings: string[] = [];
  const logger: Logger = {
    info() {},
    warn(o, msg) {
      warnings.push(`${msg ?? ''} ${JSON.stringify(o)}`);
    },
    error(o, msg) {
      warnings.push(`${msg ?? ''} ${JSON.stringify(o)}`);
    },
  };
  const stops: Array<() => Promise<void>> = [];

  before(async () => {
    server = new MediaServer({ rtmpPort: 0, logger });
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

  const published = (key: string) => mediaStarted(server, key);

  it(
    'takes a push relay from NMS (media on stream id 0) and plays it to ffmpeg: decoded A/V',
    T,
    async () => {
      const nms = await startNms({
        mode: 'push',
        url: `rtmp://127.0.0.1:${server.rtmpPort}/live/from-nms`,
        streamPath: '/live/src',
      });
      stops.push(nms.stop);
      const started = published('live/from-nms');
      publishTracks(`rtmp://127.0.0.1:${nms.port}/live/src`, 'av');
      const info = await started;
      assert.equal(info.videoCodec, 'avc');
      const player = decode(
        ['-rw_timeout', '15000000', '-i', `rtmp://127.0.0.1:${server.rtmpPort}/live/from-nms`],
        {
          maxVideo: 50,
        },
      );
      const { code } = await player.exited;
      assert.equal(code, 0, player.stderr());
      assert.equal(player.video, 50);
      assert.ok(player.audio >= 40, `decoded audio frames: ${player.audio}`);
      assert.deepEqual(
        warnings.filter((w) => w.includes('media ignored')),
        [],
      );
    },
  );

  it('serves a pull relay to NMS with sequence headers: ffmpeg decodes A/V from NMS', T, async () => {
    const started = published('live/to-nms');
    publishTracks(`rtmp://127.0.0.1:${server.rtmpPort}/live/to-nms`, 'av');
    await started;
    const nms = await startNms({
      mode: 'pull',
      url: `rtmp://127.0.0.1:${server.rtmpPort}/live/to-nms`,
      streamPath: '/live/pulled',
    });
    stops.push(nms.stop);
    const player = decode(['-rw_timeout', '15000000', '-i', `rtmp://127.0.0.1:${nms.port}/live/pulled`], {
      maxVideo: 50,
    });
    const { code } = await player.exited;
    assert.equal(code, 0, `${player.stderr()}\n--- nms:\n${nms.proc.stderr()}`);
    assert.equal(player.video, 50);
    assert.ok(player.audio >= 40, `decoded audio frames: ${player.audio}`);
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { MessageType, writeMessage } from '../src/chunk-writer.js';
import { inspectVideo } from '../src/codec.js';
import { FlvReader } from '../src/flv.js';
import { MediaServer } from '../src/index.js';
import { chunkSize4096, clientScript } from './helpers.js';
import {
  accessUnits,
  exCodedFrames,
  exSequenceStart,
  exTagToAnnexB,
  hvcC,
  nalType,
  splitAnnexB,
} from './hevc-ertmp.js';
import { scratchDir } from './interop-helpers.js';
import { RawClient, killAll, run } from './procs.js';

const T = { timeout: 90_000 };
const FRAMES = 50;

/** Runs ffmpeg to the end; stdout as a Buffer. */
async function ffmpeg(args: string[], stdin?: Buffer): Promise<Buffer> {
  const p = run('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], stdin ? 'pipe' : 'ignore');
  const chunks: Buffer[] = [];
  p.proc.stdout!.on('data', (d: Buffer) => chunks.push(d));
  if (stdin) p.proc.stdin!.end(stdin);
  const { code } = await p.exited;
  assert.equal(code, 0, p.stderr());
  return Buffer.concat(chunks);
}

/** The per-frame MD5s of decoding an HEVC Annex B stream. */
async function decodedFrameMd5s(annexB: Buffer): Promise<string[]> {
  const out = await ffmpeg(['-f', 'hevc', '-i', 'pipe:0', '-f', 'framemd5', '-'], annexB);
  return out
    .toString()
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',').at(-1)!.trim());
}

/**
 * HEVC over Enhanced RTMP end to end: a real libx265 bitstream (made by ffmpeg at test time) is
 * published as `hvc1` Enhanced RTMP tags, played back over RTMP and HTTP-FLV, and the decoded frames
 * must be bit-identical to decoding the encoder's own output. No tool in Debian 12 can publish HEVC
 * over RTMP (see hevc-ertmp.ts), so the test packages the real bitstream itself.
 */
describe('interop: HEVC over Enhanced RTMP', { concurrency: false }, () => {
  let server: MediaServer;
  const tmp = scratchDir('hevc');
  const clients: RawClient[] = [];
  before(async () => {
    server = new MediaServer({ rtmpPort: 0, httpPort: 0 });
    await server.listen();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.socket.destroy();
    killAll();
  });
  after(async () => {
    killAll();
    await server.close();
    tmp.dispose();
  });

  it('relays a libx265 stream as hvc1: RTMP and HTTP-FLV players decode the same 50 frames', T, async () => {
    const file = join(tmp.path, 'clip.hevc');
    await ffmpeg([
      ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-frames:v', String(FRAMES)],
      ...['-c:v', 'libx265', '-x265-params', 'aud=1:bframes=0:keyint=25:min-keyint=25:log-level=error'],
      ...['-f', 'hevc', file],
    ]);
    const source = readFileSync(file);
    const reference = await decodedFrameMd5s(source);
    assert.equal(reference.length, FRAMES);

    const nals = splitAnnexB(source);
    const find = (t: number) => nals.find((n) => nalType(n) === t)!;
    const config = hvcC(find(32), find(33), find(34));
    const aus = accessUnits(nals);
    assert.equal(aus.length, FRAMES);

    // Both players wait for the stream before it is published, so they get every frame.
    const playing = new Promise<void>((resolve) => {
      let n = 0;
      server.on('playStart', function h(i) {
        if (i.key === 'live/hevc' && ++n === 2) {
          server.off('playStart', h);
          resolve();
        }
      });
    });
    const flvTags: Buffer[] = [];
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/live/hevc.flv`);
    const reader = new FlvReader();
    const flvDone = (async () => {
      const body = res.body!.getReader();
      while (
        flvTags.filter((t) => inspectVideo(t).codec === 'hevc' && !inspectVideo(t).sequenceHeader).length <
        FRAMES
      ) {
        const { value, done } = await body.read();
        if (done) throw new Error(`HTTP-FLV ended after ${flvTags.length} video tags`);
        for (const t of reader.push(Buffer.from(value))) if (t.type === 9) flvTags.push(t.body);
      }
      await body.cancel();
    })();
    const rtmpPlayer = new RawClient(server.rtmpPort, Number.POSITIVE_INFINITY);
    clients.push(rtmpPlayer);
    rtmpPlayer.write(...clientScript('play', 'live', 'hevc'));
    await playing;

    const pub = new RawClient(server.rtmpPort);
    clients.push(pub);
    pub.write(...clientScript('publish', 'live', 'hevc'), chunkSize4096);
    await pub.until(() => pub.out.codes().includes('NetStream.Publish.Start'));
    pub.write(writeMessage(6, MessageType.VIDEO, 1, 0, exSequenceStart(config), 4096));
    for (const [i, au] of aus.entries()) {
      const frame = au.filter((n) => nalType(n) < 32 || nalType(n) > 35); // parameter sets are in hvcC
      const key = frame.some((n) => nalType(n) >= 16 && nalType(n) <= 21);
      pub.write(writeMessage(6, MessageType.VIDEO, 1, i * 40, exCodedFrames(frame, key), 4096));
    }

    const coded = (tags: Buffer[]) => tags.filter((t) => !inspectVideo(t).sequenceHeader);
    await rtmpPlayer.until(() => coded(rtmpPlayer.videos()).length >= FRAMES);
    await flvDone;
    assert.equal(server.streams().find((s) => s.key === 'live/hevc')?.videoCodec, 'hevc');

    for (const [name, tags] of [
      ['RTMP', rtmpPlayer.videos()],
      ['HTTP-FLV', flvTags],
    ] as const) {
      assert.equal(coded(tags).length, FRAMES, `${name}: coded frames`);
      assert.ok(inspectVideo(tags[0]!).sequenceHeader, `${name}: the hvcC comes first`);
      const annexB = Buffer.concat(tags.map((t) => exTagToAnnexB(t) ?? Buffer.alloc(0)));
      assert.deepEqual(await decodedFrameMd5s(annexB), reference, `${name}: decoded frames identical`);
    }
  });
});

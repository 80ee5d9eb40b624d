import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeAmf0 } from '../src/protocol/amf0.js';
import { ChunkReader } from '../src/protocol/chunk-reader.js';
import { FlvReader } from '../src/protocol/flv.js';
import { MediaHub } from '../src/hub/media-hub.js';
import type { PlayerSink, PublisherHandle, StreamInfo } from '../src/hub/stream-info.js';
import { tags } from './helpers.js';

class FakeSink implements PlayerSink {
  readonly chunkSize = 4096;
  readonly streamId = 1;
  writes: Buffer[] = [];
  pending = 0;
  closed: string | null = null;
  constructor(readonly format: 'rtmp' | 'flv' = 'rtmp') {}
  pendingBytes(): number {
    return this.pending;
  }
  write(b: Buffer): void {
    this.writes.push(b);
  }
  writeBatch(bufs: Buffer[]): void {
    this.writes.push(...bufs);
  }
  close(reason: string): void {
    this.closed = reason;
  }
  /** Decoded (typeId, timestamp, first payload byte) of everything written. */
  messages(): Array<{ type: number; ts: number; b0: number; b1: number }> {
    if (this.format === 'flv') {
      const r = new FlvReader();
      r.push(Buffer.from('464c5601050000000900000000', 'hex'));
      return this.writes
        .flatMap((w) => r.push(w))
        .map((t) => ({ type: t.type, ts: t.timestamp, b0: t.body[0]!, b1: t.body[1]! }));
    }
    const r = new ChunkReader();
    r.chunkSize = this.chunkSize;
    return this.writes
      .flatMap((w) => r.push(w))
      .map((m) => ({ type: m.typeId, ts: m.timestamp, b0: m.payload[0]!, b1: m.payload[1]! }));
  }
}

function publisher(id: string): PublisherHandle & { closed: string | null } {
  return {
    sessionId: id,
    closed: null,
    close(reason: string) {
      this.closed = reason;
    },
  };
}

const KEY = 'live/s1';

function startStream(hub: MediaHub, id = 'p1', owner?: string) {
  const pub = publisher(id);
  const r = hub.publish({ key: KEY, app: 'live', stream: 's1', owner, publisher: pub });
  assert.ok(r.ok);
  return pub;
}

function sendGop(hub: MediaHub, id: string, t0: number, inter = 3): void {
  hub.media(KEY, id, 9, t0, tags.avcKey());
  for (let i = 1; i <= inter; i++) {
    hub.media(KEY, id, 8, t0 + i * 40 - 20, tags.aacFrame());
    hub.media(KEY, id, 9, t0 + i * 40, tags.avcInter());
  }
}

describe('media hub', () => {
  it('serializes each message once per wire format and writes the same Buffer to every player', () => {
    const hub = new MediaHub();
    startStream(hub);
    const a = new FakeSink();
    const b = new FakeSink();
    const f = new FakeSink('flv');
    for (const [i, s] of [a, b, f].entries())
      hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: `v${i}`, sink: s });
    sendGop(hub, 'p1', 0);
    assert.equal(a.messages().length, 7);
    assert.equal(a.writes.length, b.writes.length);
    for (const [i, w] of a.writes.entries()) assert.strictEqual(w, b.writes[i], 'same Buffer object');
    assert.notStrictEqual(a.writes[0], f.writes[0]);
    // Zero copy: the payload goes out as the very Buffer that came in, after its chunk header.
    const key = tags.avcKey();
    hub.media(KEY, 'p1', 9, 400, key);
    assert.strictEqual(a.writes.at(-1), key);
    assert.strictEqual(f.writes.at(-2), key, 'FLV: tag header, body, previous tag size');
    assert.deepEqual(
      f.messages().map((m) => m.type),
      [9, 8, 9, 8, 9, 8, 9, 9],
    );
  });

  it('gives a late joiner metadata, sequence headers and the GOP from its keyframe', () => {
    const hub = new MediaHub();
    startStream(hub);
    hub.metadata(KEY, 'p1', Buffer.from('02000a6f6e4d65746144617461', 'hex'));
    hub.media(KEY, 'p1', 9, 0, tags.avcHeader);
    hub.media(KEY, 'p1', 8, 0, tags.aacHeader);
    sendGop(hub, 'p1', 0);
    sendGop(hub, 'p1', 1000, 2);
    const late = new FakeSink();
    hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'late', sink: late });
    const got = late.messages();
    assert.deepEqual(
      got.map((m) => m.type),
      [18, 9, 8, 9, 8, 9, 8, 9],
    );
    assert.equal(got[1]!.b1, 0, 'AVC sequence header');
    assert.equal(got[2]!.b1, 0, 'AAC sequence header');
    assert.equal(got[3]!.b0 >> 4, 1, 'GOP starts with a keyframe');
    assert.equal(got[3]!.ts, 1000);
  });

  it('bounds the GOP cache by frames and bytes', () => {
    const hub = new MediaHub({ gopCacheMaxFrames: 5 });
    startStream(hub);
    sendGop(hub, 'p1', 0, 3); // 7 messages > 5: dropped whole
    const s1 = new FakeSink();
    hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'a', sink: s1 });
    assert.equal(s1.writes.length, 0);
    // With no GOP, a player waits for the next keyframe before any video.
    hub.media(KEY, 'p1', 9, 500, tags.avcInter());
    hub.media(KEY, 'p1', 9, 540, tags.avcKey());
    assert.deepEqual(
      s1.messages().map((m) => m.ts),
      [540],
    );
    const hub2 = new MediaHub({ gopCacheMaxBytes: 300 });
    startStream(hub2);
    sendGop(hub2, 'p1', 0, 10);
    const s2 = new FakeSink();
    hub2.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'b', sink: s2 });
    assert.equal(s2.writes.length, 0);
  });

  it('drops a slow player to the next keyframe and closes it past the hard limit', () => {
    let now = 0;
    const hub = new MediaHub({
      playerMaxPendingBytes: 1000,
      playerHardPendingBytes: 5000,
      playerMaxDropMs: 10_000,
      now: () => now,
    });
    startStream(hub);
    const slow = new FakeSink();
    const fast = new FakeSink();
    hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'slow', sink: slow });
    hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'fast', sink: fast });
    sendGop(hub, 'p1', 0, 1);
    slow.pending = 2000;
    const before = slow.messages().length;
    hub.media(KEY, 'p1', 9, 100, tags.avcInter());
    hub.media(KEY, 'p1', 8, 110, tags.aacFrame());
    assert.equal(slow.messages().length, before, 'nothing written while over the soft limit');
    slow.pending = 0;
    hub.media(KEY, 'p1', 9, 120, tags.avcInter());
    assert.equal(slow.messages().length, before, 'still skipping until a keyframe');
    hub.media(KEY, 'p1', 9, 160, tags.avcKey());
    assert.equal(slow.messages().length, before + 1, 'resumes at the keyframe');
    assert.equal(fast.messages().length, 3 + 4, 'the fast player got everything');
    slow.pending = 6000;
    hub.media(KEY, 'p1', 9, 200, tags.avcInter());
    assert.match(slow.closed ?? '', /too slow/);
    assert.equal(hub.streams()[0]!.players, 1);
    // Dropping for too long also closes.
    const stuck = new FakeSink();
    hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'stuck', sink: stuck });
    stuck.pending = 2000;
    hub.media(KEY, 'p1', 9, 240, tags.avcInter());
    now = 20_000;
    hub.media(KEY, 'p1', 9, 280, tags.avcInter());
    assert.match(stuck.closed ?? '', /too long/);
    assert.equal(fast.closed, null);
  });

  it('takes over with the same owner: players stay, timestamps continue, new headers resent', () => {
    let now = 1_000_000;
    const hub = new MediaHub({ takeoverGraceMs: 60_000, now: () => now });
    const events: string[] = [];
    hub.on('publishStart', () => events.push('start'));
    hub.on('publishReplaced', () => events.push('replaced'));
    hub.on('publishStop', (_i, r) => events.push(`stop:${r}`));
    const p1 = startStream(hub, 'p1', 'alice');
    const v = new FakeSink();
    hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'v', sink: v });
    hub.media(KEY, 'p1', 9, 0, tags.avcHeader);
    sendGop(hub, 'p1', 0, 2);
    // Bob cannot take it; alice's second connection can, while the first is still connected.
    const bob = hub.publish({
      key: KEY,
      app: 'live',
      stream: 's1',
      owner: 'bob',
      publisher: publisher('p3'),
    });
    assert.equal(bob.ok, false);
    // Alice's publisher is still sending: her own credentials replayed cannot displace it…
    const replay = hub.publish({
      key: KEY,
      app: 'live',
      stream: 's1',
      owner: 'alice',
      publisher: publisher('p-replay'),
    });
    assert.equal(replay.ok, false);
    assert.equal(p1.closed, null, 'the live owner is untouched');
    now += 1999;
    assert.equal(
      hub.publish({ key: KEY, app: 'live', stream: 's1', owner: 'alice', publisher: publisher('p-r2') }).ok,
      false,
    );
    now += 2; // …until it has been silent past takeoverSilenceMs (2 s): then takeover works as before
    const r = hub.publish({
      key: KEY,
      app: 'live',
      stream: 's1',
      owner: 'alice',
      publisher: publisher('p2'),
    });
    assert.deepEqual(r, { ok: true, replaced: true });
    assert.equal(p1.closed, 'replaced');
    hub.media(KEY, 'p1', 9, 500, tags.avcKey()); // stale publisher: ignored
    hub.unpublish(KEY, 'p1', false); // its socket closes: ignored
    hub.media(KEY, 'p2', 9, 0, tags.avcHeader);
    hub.media(KEY, 'p2', 9, 0, tags.avcInter()); // before a keyframe: held back
    hub.media(KEY, 'p2', 9, 40, tags.avcKey());
    const msgs = v.messages();
    const tail = msgs.slice(-2);
    assert.equal(tail[0]!.b1, 0, 'new sequence header');
    assert.equal(tail[1]!.b0 >> 4, 1, 'resumes at a keyframe');
    // Old timeline: video 0/40/80, audio 20/60 (both step 40). The new publisher's ts 0 lands one
    // step after the last frame of each track: max(80 + 40, 60 + 40) = 120, so its ts 40 is 160.
    assert.deepEqual(
      tail.map((m) => m.ts),
      [120, 160],
    );
    assert.deepEqual(events, ['start', 'replaced']);
    assert.equal(v.closed, null);
  });

  it('keeps the stream through the grace window, then stops with "timeout"', async () => {
    const hub = new MediaHub({ takeoverGraceMs: 30 });
    const events: string[] = [];
    hub.on('publishStop', (_i, r) => events.push(`stop:${r}`));
    startStream(hub, 'p1', 'alice');
    const v = new FakeSink();
    hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'v', sink: v });
    const interrupted: string[] = [];
    hub.on('publishInterrupted', (i) => interrupted.push(i.state));
    hub.unpublish(KEY, 'p1', false);
    assert.deepEqual(interrupted, ['grace']);
    assert.equal(hub.streams()[0]!.state, 'grace');
    assert.equal(
      hub.publish({ key: KEY, app: 'live', stream: 's1', owner: 'eve', publisher: publisher('x') }).ok,
      false,
    );
    const [info, reason] = await new Promise<[StreamInfo, string]>((res) =>
      hub.once('publishStop', (i, r) => res([i, r])),
    );
    assert.equal(reason, 'timeout');
    assert.equal(info.key, KEY);
    assert.match(v.closed ?? '', /stream ended/);
    assert.deepEqual(hub.streams(), []);
    // A clean unpublish ends at once.
    startStream(hub, 'p4', 'alice');
    hub.unpublish(KEY, 'p4', true);
    assert.deepEqual(events, ['stop:timeout', 'stop:normal']);
  });

  it('closeStream and dropSessions end what they match', () => {
    const hub = new MediaHub();
    const stops: string[] = [];
    hub.on('publishStop', (i, r) => stops.push(`${i.key}:${r}`));
    const pub = publisher('p1');
    hub.publish({
      key: KEY,
      app: 'live',
      stream: 's1',
      owner: 'alice',
      tag: { user: 'alice' },
      publisher: pub,
    });
    const v1 = new FakeSink();
    const v2 = new FakeSink();
    hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'v1', tag: { user: 'bob' }, sink: v1 });
    hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'v2', tag: { user: 'carol' }, sink: v2 });
    const n = hub.dropSessions((s) => (s.tag as { user: string }).user === 'bob');
    assert.equal(n, 1);
    assert.ok(v1.closed);
    assert.equal(v2.closed, null);
    assert.equal(hub.closeStream(KEY), true);
    assert.ok(pub.closed);
    assert.ok(v2.closed);
    assert.deepEqual(stops, [`${KEY}:closed`]);
    assert.equal(hub.closeStream(KEY), false);
  });

  it('lets players wait for a stream that is not published yet', () => {
    const hub = new MediaHub();
    const v = new FakeSink();
    hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'v', sink: v });
    assert.deepEqual(hub.streams(), []);
    const starts: string[] = [];
    hub.on('publishStart', (i) => starts.push(i.key));
    startStream(hub);
    sendGop(hub, 'p1', 0, 1);
    assert.deepEqual(starts, [KEY]);
    assert.equal(v.messages().length, 3);
  });

  it('detects enhanced-RTMP HEVC keyframes and sequence headers', () => {
    const hub = new MediaHub();
    startStream(hub);
    const ex = (frameType: number, packetType: number) =>
      Buffer.concat([
        Buffer.from([0x80 | (frameType << 4) | packetType]),
        Buffer.from('hvc1'),
        Buffer.alloc(20, 1),
      ]);
    hub.media(KEY, 'p1', 9, 0, ex(1, 0)); // sequence start
    hub.media(KEY, 'p1', 9, 0, ex(1, 1)); // coded keyframe
    hub.media(KEY, 'p1', 9, 40, ex(2, 3)); // inter, CodedFramesX
    const late = new FakeSink();
    hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'l', sink: late });
    assert.equal(late.messages().length, 3);
    assert.equal(hub.streams()[0]!.videoCodec, 'hevc');
  });
});

describe('media hub: mediaStart', () => {
  it('fires once, on the first keyframe, not on publish or sequence headers; a takeover does not repeat it', () => {
    const hub = new MediaHub({ takeoverGraceMs: 60_000 });
    const seen: string[] = [];
    hub.on('publishStart', () => seen.push('publishStart'));
    hub.on('mediaStart', (i) => seen.push(`mediaStart ${i.key}`));
    startStream(hub, 'p1', 'alice');
    hub.media(KEY, 'p1', 9, 0, tags.avcHeader);
    hub.media(KEY, 'p1', 8, 0, tags.aacHeader);
    hub.media(KEY, 'p1', 9, 0, tags.avcInter());
    assert.deepEqual(seen, ['publishStart'], 'no media start before a keyframe');
    sendGop(hub, 'p1', 40);
    sendGop(hub, 'p1', 200);
    assert.deepEqual(seen, ['publishStart', `mediaStart ${KEY}`]);
    hub.unpublish(KEY, 'p1', false);
    startStream(hub, 'p2', 'alice');
    sendGop(hub, 'p2', 0);
    assert.deepEqual(seen, ['publishStart', `mediaStart ${KEY}`], 'takeover: no second mediaStart');
  });

  it('an audio-only stream starts with its first audio frame', () => {
    const hub = new MediaHub();
    let started = 0;
    hub.on('mediaStart', () => started++);
    startStream(hub);
    hub.media(KEY, 'p1', 8, 0, tags.aacHeader);
    assert.equal(started, 0);
    hub.media(KEY, 'p1', 8, 20, tags.aacFrame());
    hub.media(KEY, 'p1', 8, 40, tags.aacFrame());
    assert.equal(started, 1);
  });
});

describe('media hub: write batching', () => {
  it('flushes a turn of messages as one batch per player, in order', (t) => {
    t.mock.timers.enable({ apis: ['setImmediate', 'setTimeout'] });
    const hub = new MediaHub({ writeBatching: true });
    startStream(hub);
    hub.media(KEY, 'p1', 9, 0, tags.avcHeader);
    const a = new FakeSink();
    const batches: number[] = [];
    const orig = a.writeBatch.bind(a);
    a.writeBatch = (bufs: Buffer[]) => {
      const r = new ChunkReader();
      r.chunkSize = a.chunkSize;
      batches.push(bufs.flatMap((b) => r.push(b)).length);
      orig(bufs);
    };
    hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'v1', sink: a });
    const afterJoin = a.writes.length;
    sendGop(hub, 'p1', 0);
    assert.equal(a.writes.length, afterJoin, 'nothing written before the turn ends');
    t.mock.timers.tick(0);
    // The AVC header is repeated once before the first live keyframe (see the RTMP join test).
    assert.deepEqual(batches.slice(1), [8], 'one batch: repeated header + 7 messages');
    const types = a
      .messages()
      .slice(-8)
      .map((m) => m.type);
    assert.deepEqual(types, [9, 9, 8, 9, 8, 9, 8, 9], 'order kept');
    hub.close();
  });

  it('large audiences wait for the window; queued bytes count toward the slow-player limit', (t) => {
    t.mock.timers.enable({ apis: ['setImmediate', 'setTimeout'] });
    const hub = new MediaHub({
      writeBatching: true,
      batchMinPlayers: 2,
      batchWindowMs: 20,
      playerMaxPendingBytes: 1000,
    });
    startStream(hub);
    const sinks = [0, 1, 2].map(() => new FakeSink());
    for (const [i, s] of sinks.entries())
      hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: `v${i}`, sink: s });
    hub.media(KEY, 'p1', 9, 0, tags.avcKey(600));
    hub.media(KEY, 'p1', 9, 40, tags.avcInter(600));
    hub.media(KEY, 'p1', 9, 80, tags.avcInter(600));
    t.mock.timers.tick(0);
    assert.equal(sinks[0]!.writes.length, 0, 'not flushed at the end of the turn');
    t.mock.timers.tick(20);
    for (const s of sinks) {
      const frames = s.messages().filter((m) => m.type === 9);
      assert.equal(frames.length, 2, 'the third frame was skipped: 1200 queued bytes > 1000');
    }
    hub.close();
  });

  it('rebases a takeover one frame step after the old timeline, per the measured frame interval', () => {
    const hub = new MediaHub({ takeoverGraceMs: 60_000 });
    startStream(hub, 'p1', 'alice');
    const v = new FakeSink();
    hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'v', sink: v });
    for (let i = 0; i < 5; i++)
      hub.media(KEY, 'p1', 9, 1000 + i * 33, i === 0 ? tags.avcKey() : tags.avcInter());
    hub.unpublish(KEY, 'p1', false); // dropped: grace
    assert.ok(
      hub.publish({ key: KEY, app: 'live', stream: 's1', owner: 'alice', publisher: publisher('p2') }).ok,
    );
    for (let i = 0; i < 3; i++)
      hub.media(KEY, 'p2', 9, 7 + i * 33, i === 0 ? tags.avcKey() : tags.avcInter());
    const ts = v.messages().map((m) => m.ts);
    assert.deepEqual(ts, [1000, 1033, 1066, 1099, 1132, 1165, 1198, 1231]);
  });

  it('announces the tracks an FLV header needs: from onMetaData, else from what was seen', () => {
    const hub = new MediaHub();
    class TrackSink extends FakeSink {
      tracks: string[] = [];
      announceTracks(t: { audio: boolean; video: boolean }): void {
        this.tracks.push(`${t.audio ? 'A' : ''}${t.video ? 'V' : ''}`);
        assert.equal(this.writes.length, 0, 'announced before the first bytes');
      }
    }
    // Audio-only publisher, player joins late: the seen AAC header says audio only.
    startStream(hub);
    hub.media(KEY, 'p1', 8, 0, tags.aacHeader);
    hub.media(KEY, 'p1', 8, 23, tags.aacFrame());
    const late = new TrackSink('flv');
    hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'a', sink: late });
    hub.media(KEY, 'p1', 8, 46, tags.aacFrame());
    assert.deepEqual(late.tracks, ['A'], 'announced once');
    hub.closeStream(KEY);

    // Player waiting before the publisher: metadata (video only) decides, before any tag is written.
    const early = new TrackSink('flv');
    hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'b', sink: early });
    assert.deepEqual(early.tracks, []);
    startStream(hub, 'p2');
    hub.metadata(KEY, 'p2', encodeAmf0('onMetaData', { videocodecid: 7, width: 320 }));
    hub.media(KEY, 'p2', 9, 0, tags.avcHeader);
    assert.deepEqual(early.tracks, ['V']);
    hub.closeStream(KEY);

    // hasAudio/hasVideo flags win; nothing known at all announces both.
    const flags = new TrackSink('flv');
    hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'c', sink: flags });
    startStream(hub, 'p3');
    hub.metadata(KEY, 'p3', encodeAmf0('onMetaData', { hasAudio: true, hasVideo: true }));
    assert.deepEqual(flags.tracks, ['AV']);
    hub.closeStream(KEY);
    const blind = new TrackSink('flv');
    hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'd', sink: blind });
    startStream(hub, 'p4');
    hub.media(KEY, 'p4', 18, 0, encodeAmf0('onCuePoint', { name: 'x' }));
    assert.deepEqual(blind.tracks, ['AV']);
  });

  it('does not close the connection of a publisher that unpublished cleanly; a timed-out one is closed', () => {
    const hub = new MediaHub({ takeoverGraceMs: 0 });
    const p1 = startStream(hub, 'p1');
    hub.unpublish(KEY, 'p1', true);
    assert.equal(p1.closed, null);
    const p2 = startStream(hub, 'p2');
    hub.unpublish(KEY, 'p2', false);
    assert.equal(p2.closed, 'timeout');
  });

  it('repeats metadata and headers before the first two live keyframes of an RTMP joiner, not for FLV', () => {
    const hub = new MediaHub();
    startStream(hub);
    hub.metadata(KEY, 'p1', encodeAmf0('onMetaData', { videocodecid: 7, audiocodecid: 10 }));
    hub.media(KEY, 'p1', 9, 0, tags.avcHeader);
    hub.media(KEY, 'p1', 8, 0, tags.aacHeader);
    sendGop(hub, 'p1', 0, 1);
    const r = new FakeSink('rtmp');
    const f = new FakeSink('flv');
    hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'r', sink: r });
    hub.play({ key: KEY, app: 'live', stream: 's1', sessionId: 'f', sink: f });
    sendGop(hub, 'p1', 1000, 1);
    sendGop(hub, 'p1', 2000, 1);
    sendGop(hub, 'p1', 3000, 1);
    const kinds = (sink: FakeSink) =>
      sink.messages().map((m) => (m.type === 18 ? 'M' : m.b1 === 0 ? `H${m.type}` : `${m.type}`));
    // burst: M H9 H8 + GOP (9 8 9); live: [M H9 H8] 9 8 9 twice, then 9 8 9 without repeats.
    const gop = ['9', '8', '9'];
    const headers = ['M', 'H9', 'H8'];
    assert.deepEqual(kinds(r), [...headers, ...gop, ...headers, ...gop, ...headers, ...gop, ...gop]);
    assert.deepEqual(kinds(f), [...headers, ...gop, ...gop, ...gop, ...gop]);
  });
});

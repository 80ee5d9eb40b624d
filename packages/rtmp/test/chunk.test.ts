import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ChunkReader, type RtmpMessage } from '../src/protocol/chunk-reader.js';
import {
  Csid,
  MessageType,
  messageParts,
  setChunkSizeMessage,
  writeMessage,
} from '../src/protocol/chunk-writer.js';
import { flvTag, flvTagParts } from '../src/protocol/flv.js';
import { RtmpError, RtmpErrorCode } from '../src/errors.js';

function feedAll(reader: ChunkReader, parts: Buffer[]): RtmpMessage[] {
  const out: RtmpMessage[] = [];
  for (const p of parts) out.push(...reader.push(p));
  return out;
}

function splitAt(buf: Buffer, points: number[]): Buffer[] {
  const parts: Buffer[] = [];
  let last = 0;
  for (const p of [...points].sort((a, b) => a - b)) {
    parts.push(buf.subarray(last, p));
    last = p;
  }
  parts.push(buf.subarray(last));
  return parts;
}

/** Hand-built chunks using all four header types, as a real publisher sends them. */
function handBuilt(): {
  bytes: Buffer;
  expect: Array<Pick<RtmpMessage, 'timestamp' | 'typeId' | 'streamId'> & { len: number }>;
} {
  const a = Buffer.alloc(200, 0xaa); // 200 bytes > 128 chunk size: two chunks
  const b = Buffer.alloc(10, 0xbb);
  const c = Buffer.alloc(10, 0xcc);
  const d = Buffer.alloc(10, 0xdd);
  const bytes = Buffer.concat([
    // fmt 0, csid 6, ts 1000, len 200, type 9, stream 1
    Buffer.from([0x06, 0x00, 0x03, 0xe8, 0x00, 0x00, 0xc8, 0x09, 1, 0, 0, 0]),
    a.subarray(0, 128),
    Buffer.from([0xc6]), // fmt 3 continuation
    a.subarray(128),
    // fmt 1: delta 40, len 10, type 9
    Buffer.from([0x46, 0x00, 0x00, 0x28, 0x00, 0x00, 0x0a, 0x09]),
    b,
    // fmt 2: delta 33
    Buffer.from([0x86, 0x00, 0x00, 0x21]),
    c,
    // fmt 3 new message: repeats delta 33
    Buffer.from([0xc6]),
    d,
  ]);
  return {
    bytes,
    expect: [
      { timestamp: 1000, typeId: 9, streamId: 1, len: 200 },
      { timestamp: 1040, typeId: 9, streamId: 1, len: 10 },
      { timestamp: 1073, typeId: 9, streamId: 1, len: 10 },
      { timestamp: 1106, typeId: 9, streamId: 1, len: 10 },
    ],
  };
}

function check(msgs: RtmpMessage[], expect: ReturnType<typeof handBuilt>['expect']): void {
  assert.equal(msgs.length, expect.length);
  msgs.forEach((m, i) => {
    const e = expect[i]!;
    assert.deepEqual(
      { timestamp: m.timestamp, typeId: m.typeId, streamId: m.streamId, len: m.payload.length },
      e,
    );
  });
}

describe('chunk reader', () => {
  it('reads type 0/1/2/3 headers', () => {
    const { bytes, expect } = handBuilt();
    const msgs = new ChunkReader().push(bytes);
    check(msgs, expect);
    assert.ok(msgs[0]!.payload.equals(Buffer.alloc(200, 0xaa)));
    assert.ok(msgs[3]!.payload.equals(Buffer.alloc(10, 0xdd)));
  });

  it('gives the same messages when split at every byte boundary', () => {
    const { bytes, expect } = handBuilt();
    for (let i = 1; i < bytes.length; i++) check(feedAll(new ChunkReader(), splitAt(bytes, [i])), expect);
    const oneByOne = [...bytes].map((b) => Buffer.from([b]));
    check(feedAll(new ChunkReader(), oneByOne), expect);
  });

  it('reads extended timestamps, also on type-3 continuations', () => {
    const payload = randomBytes(300);
    const ts = 0x12345678;
    const bytes = writeMessage(Csid.VIDEO, MessageType.VIDEO, 1, ts, payload, 128);
    // 12 header + 4 ext + 2 continuations of (1 + 4 ext)
    assert.equal(bytes.length, 12 + 4 + 300 + 2 * 5);
    for (let i = 0; i < bytes.length; i += 7) {
      const [m] = feedAll(new ChunkReader(), splitAt(bytes, [i]));
      assert.equal(m!.timestamp, ts);
      assert.ok(m!.payload.equals(payload));
    }
  });

  it('switches to the extended form exactly at 0xFFFFFF', () => {
    for (const ts of [0xfffffe, 0xffffff, 0x1000000, 0xffffffff]) {
      const bytes = writeMessage(Csid.VIDEO, MessageType.VIDEO, 1, ts, Buffer.alloc(300, 1), 128);
      const extended = ts >= 0xffffff;
      assert.equal(bytes.length, 12 + 300 + 2 + (extended ? 4 * 3 : 0), `size at ${ts}`);
      assert.equal(bytes.readUIntBE(1, 3), extended ? 0xffffff : ts);
      const [m] = new ChunkReader().push(bytes);
      assert.equal(m!.timestamp, ts);
    }
  });

  it('wraps timestamps modulo 2^32 on deltas', () => {
    const bytes = Buffer.concat([
      writeMessage(Csid.VIDEO, MessageType.VIDEO, 1, 0xfffffff0, Buffer.alloc(1), 128),
      // fmt 2, delta 0x20
      Buffer.from([0x86, 0, 0, 0x20]),
      Buffer.alloc(1),
    ]);
    const msgs = new ChunkReader().push(bytes);
    assert.deepEqual(
      msgs.map((m) => m.timestamp),
      [0xfffffff0, 0x10],
    );
  });

  it('applies Set Chunk Size immediately, within the same buffer', () => {
    const payload = randomBytes(10000);
    const bytes = Buffer.concat([
      setChunkSizeMessage(4096),
      writeMessage(Csid.VIDEO, MessageType.VIDEO, 1, 5, payload, 4096),
    ]);
    const r = new ChunkReader();
    const msgs = r.push(bytes);
    assert.equal(r.chunkSize, 4096);
    assert.equal(msgs.length, 2);
    assert.ok(msgs[1]!.payload.equals(payload));
  });

  it('round-trips writer → reader for random messages and random splits', () => {
    for (let round = 0; round < 50; round++) {
      const chunkSize = [128, 1000, 4096, 60000][round % 4]!;
      const sent: Array<{ csid: number; type: number; sid: number; ts: number; payload: Buffer }> = [];
      const parts: Buffer[] = [setChunkSizeMessage(chunkSize)];
      for (let i = 0; i < 20; i++) {
        const m = {
          csid: [3, 4, 5, 6, 70, 400][i % 6]!,
          type: [8, 9, 18, 20][i % 4]!,
          sid: i % 3,
          ts: Math.floor(Math.random() * 0x1ffffff),
          payload: randomBytes(Math.floor(Math.random() * 9000)),
        };
        sent.push(m);
        parts.push(writeMessage(m.csid, m.type, m.sid, m.ts, m.payload, chunkSize));
      }
      const all = Buffer.concat(parts);
      const cuts = Array.from({ length: 30 }, () => Math.floor(Math.random() * all.length));
      const got = feedAll(new ChunkReader(), splitAt(all, cuts)).slice(1);
      assert.equal(got.length, sent.length);
      got.forEach((g, i) => {
        const s = sent[i]!;
        assert.equal(g.csid, s.csid);
        assert.equal(g.typeId, s.type);
        assert.equal(g.streamId, s.sid);
        assert.equal(g.timestamp, s.ts);
        assert.ok(g.payload.equals(s.payload));
      });
    }
  });

  it('assembles a multi-chunk message in hand into one copy that does not alias the input', () => {
    const payload = randomBytes(10_000);
    const bytes = Buffer.concat([
      setChunkSizeMessage(4096),
      writeMessage(6, MessageType.VIDEO, 1, 40, payload, 4096),
    ]);
    const r = new ChunkReader();
    const input = Buffer.from(bytes);
    const [, msg] = r.push(input);
    input.fill(0); // the socket's buffer is reused: the message must own its bytes
    assert.deepEqual(msg?.payload, payload);
    assert.equal(r.bufferedBytes, 0);
    // The rest not yet in hand: only what arrived is held, never the length a peer declared.
    const r2 = new ChunkReader();
    const cut = bytes.length - 3000;
    assert.deepEqual(r2.push(bytes.subarray(0, cut)).length, 1); // Set Chunk Size only
    assert.ok(r2.bufferedBytes < 10_000 - 2900, `held ${r2.bufferedBytes}`);
    const [done] = r2.push(bytes.subarray(cut));
    assert.deepEqual(done?.payload, payload);
    assert.equal(r2.bufferedBytes, 0);
  });

  it('enforces its limits with clear errors', () => {
    const code = (fn: () => unknown): number => {
      try {
        fn();
      } catch (e) {
        assert.ok(e instanceof RtmpError);
        return e.code;
      }
      return assert.fail('no throw');
    };
    // Declared 16 MB message: refused at the header, before any payload.
    const huge = Buffer.from([0x06, 0, 0, 0, 0xff, 0xff, 0xf0, 0x09, 1, 0, 0, 0]);
    assert.equal(
      code(() => new ChunkReader().push(huge)),
      RtmpErrorCode.MESSAGE_TOO_LARGE,
    );
    // Too many chunk streams.
    const r = new ChunkReader({ maxChunkStreams: 4 });
    const many = Buffer.concat([3, 4, 5, 6, 7].map((c) => writeMessage(c, 9, 1, 0, Buffer.alloc(1), 128)));
    assert.equal(
      code(() => r.push(many)),
      RtmpErrorCode.TOO_MANY_CHUNK_STREAMS,
    );
    // The reader stays dead.
    assert.equal(
      code(() => r.push(Buffer.alloc(1))),
      RtmpErrorCode.TOO_MANY_CHUNK_STREAMS,
    );
    // Chunk size 0.
    assert.equal(
      code(() => new ChunkReader().push(setChunkSizeMessage(0))),
      RtmpErrorCode.BAD_CHUNK_SIZE,
    );
    // Type-1 header on an unknown chunk stream.
    assert.equal(
      code(() => new ChunkReader().push(Buffer.from([0x46, 0, 0, 0, 0, 0, 1, 9]))),
      RtmpErrorCode.BAD_CHUNK,
    );
    // Partial messages across streams bounded by maxPendingBytes.
    const small = new ChunkReader({ maxPendingBytes: 200 });
    const partial = (csid: number) =>
      writeMessage(csid, 9, 1, 0, Buffer.alloc(700), 128).subarray(0, 12 + 128);
    small.push(partial(4));
    assert.equal(
      code(() => small.push(partial(5))),
      RtmpErrorCode.MESSAGE_TOO_LARGE,
    );
  });

  it('writes 1-, 2- and 3-byte basic headers', () => {
    for (const csid of [2, 63, 64, 319, 320, 65599]) {
      const [m] = new ChunkReader().push(writeMessage(csid, 20, 0, 0, Buffer.from('x'), 128));
      assert.equal(m!.csid, csid);
    }
  });
});

describe('zero-copy serialization', () => {
  it('messageParts: the reader gets the message back, and every part is a payload view or a header', () => {
    for (let round = 0; round < 300; round++) {
      const len = [0, 1, 127, 128, 129, 4096, 5000, 70_000][round % 8]! + (round % 3);
      const payload = randomBytes(len);
      const chunkSize = [1, 128, 1000, 4096, 60000][round % 5]!;
      const ts = [0, 40, 0xfffffe, 0xffffff, 0x1_0000_00ff][round % 5]! >>> 0;
      const csid = [Csid.AUDIO, Csid.VIDEO, 70, 400][round % 4]!;
      const parts = messageParts(csid, MessageType.VIDEO, 1, ts, payload, chunkSize);
      const reader = new ChunkReader();
      reader.chunkSize = chunkSize;
      const got = feedAll(reader, parts);
      const what = `len ${len} chunk ${chunkSize} ts ${ts} csid ${csid}`;
      assert.equal(got.length, 1, what);
      assert.deepEqual(
        { csid: got[0]!.csid, type: got[0]!.typeId, sid: got[0]!.streamId, ts: got[0]!.timestamp },
        { csid, type: MessageType.VIDEO, sid: 1, ts },
        what,
      );
      assert.ok(got[0]!.payload.equals(payload), what);
      for (const p of parts) {
        const inPayload = p.buffer === payload.buffer && p.byteOffset >= payload.byteOffset;
        assert.ok(inPayload || p.length <= 18, 'a part is a payload view or a header');
      }
    }
  });

  it("flvTagParts gives flvTag's bytes with the body itself in the middle", () => {
    for (const len of [0, 1, 5000]) {
      const body = randomBytes(len);
      const parts = flvTagParts(9, 0x01020304, body);
      assert.deepEqual(Buffer.concat(parts), flvTag(9, 0x01020304, body));
      if (len > 0) assert.strictEqual(parts[1], body);
    }
  });
});

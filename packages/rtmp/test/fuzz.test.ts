import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type AmfValue, decodeAmf0, encodeAmf0 } from '../src/protocol/amf0.js';
import { ChunkReader } from '../src/protocol/chunk-reader.js';
import { writeMessage } from '../src/protocol/chunk-writer.js';
import { parseFlvPath } from '../src/http-flv/http-flv.js';
import { parseConnectTarget, splitStreamName } from '../src/protocol/stream-name.js';
import { RtmpError, RtmpErrorCode } from '../src/errors.js';
import { RtmpSession } from '../src/protocol/rtmp-session.js';
import { clientScript, tags } from './helpers.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);

/** Runs fn; anything thrown must be an RtmpError. */
function onlyRtmpErrors(fn: () => unknown): RtmpError | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (!(e instanceof RtmpError)) throw new Error(`non-RtmpError thrown: ${String(e)}`, { cause: e });
    return e;
  }
}

/** Splits a buffer at random points. */
const splits = (buf: Buffer) =>
  fc.array(fc.nat({ max: Math.max(0, buf.length) }), { maxLength: 20 }).map((pts) => {
    const sorted = [...new Set(pts)].sort((a, b) => a - b);
    const parts: Buffer[] = [];
    let last = 0;
    for (const p of sorted) {
      parts.push(buf.subarray(last, p));
      last = p;
    }
    parts.push(buf.subarray(last));
    return parts;
  });

/** Applies byte mutations (overwrite / insert / delete) to a valid buffer. */
function mutate(buf: Buffer, edits: Array<{ at: number; kind: number; byte: number }>): Buffer {
  let b = Buffer.from(buf);
  for (const e of edits) {
    if (b.length === 0) break;
    const at = e.at % b.length;
    if (e.kind === 0) b[at] = e.byte;
    else if (e.kind === 1) b = Buffer.concat([b.subarray(0, at), Buffer.from([e.byte]), b.subarray(at)]);
    else b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
  }
  return b;
}
const edits = fc.array(
  fc.record({ at: fc.nat(), kind: fc.integer({ min: 0, max: 2 }), byte: fc.integer({ min: 0, max: 255 }) }),
  { minLength: 1, maxLength: 8 },
);

const amfValue: fc.Arbitrary<AmfValue> = fc.letrec<{ v: AmfValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.string(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ minLength: 1 }), tie('v'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).v;

describe('fuzz: AMF0 decoder', () => {
  it('round-trips arbitrary values', () => {
    fc.assert(
      fc.property(fc.array(amfValue, { maxLength: 4 }), (vals) => {
        assert.deepEqual(decodeAmf0(encodeAmf0(...vals)), vals);
      }),
      { numRuns: RUNS },
    );
  });

  it('throws only RtmpError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        onlyRtmpErrors(() => decodeAmf0(Buffer.from(bytes)));
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it('throws only RtmpError on mutated valid encodings', () => {
    fc.assert(
      fc.property(fc.array(amfValue, { minLength: 1, maxLength: 3 }), edits, (vals, ed) => {
        onlyRtmpErrors(() => decodeAmf0(mutate(encodeAmf0(...vals), ed)));
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses nesting past the limit with AMF_TOO_DEEP', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.boolean(), (depth, useObject) => {
        // Built by hand so the encoder's own recursion is not what is tested.
        const open = useObject ? Buffer.from([0x03, 0x00, 0x01, 0x61]) : Buffer.from([0x0a, 0, 0, 0, 1]);
        const close = useObject ? Buffer.from([0, 0, 9]) : Buffer.alloc(0);
        const bytes = Buffer.concat([
          ...Array.from({ length: depth }, () => open),
          Buffer.from([0x05]),
          ...Array.from({ length: depth }, () => close),
        ]);
        // Objects: 03 'a' 03 'a' … 05 00 00 09 …; the innermost key "a" holds null.
        const err = onlyRtmpErrors(() => decodeAmf0(bytes));
        if (depth > 32) assert.equal(err?.code, RtmpErrorCode.AMF_TOO_DEEP);
        else assert.equal(err, null, `depth ${depth}: ${err?.message}`);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('fuzz: chunk reader', () => {
  const limits = { maxMessageSize: 64 * 1024, maxChunkStreams: 8, maxPendingBytes: 128 * 1024 };

  it('reassembles the same messages whatever the split', () => {
    const msgs = Array.from({ length: 12 }, (_, i) => ({
      csid: [3, 4, 6, 100, 1000][i % 5]!,
      payload: Buffer.alloc((i * 977) % 5000, i),
      ts: i * 0x1fffff,
    }));
    const bytes = Buffer.concat(msgs.map((m) => writeMessage(m.csid, 9, 1, m.ts, m.payload, 128)));
    fc.assert(
      fc.property(splits(bytes), (parts) => {
        const r = new ChunkReader();
        const got = parts.flatMap((p) => r.push(p));
        assert.equal(got.length, msgs.length);
        got.forEach((g, i) => {
          assert.equal(g.timestamp, msgs[i]!.ts);
          assert.ok(g.payload.equals(msgs[i]!.payload));
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('throws only RtmpError on random bytes, and stays within its limits', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }), (chunks) => {
        const r = new ChunkReader(limits);
        for (const c of chunks) {
          const err = onlyRtmpErrors(() => r.push(Buffer.from(c)));
          assert.ok(r.bufferedBytes <= limits.maxPendingBytes);
          assert.ok(r.chunkStreamCount <= limits.maxChunkStreams);
          if (err) break;
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('refuses huge declared sizes before reading the payload', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: limits.maxMessageSize + 1, max: 0xffffff }),
        fc.integer({ min: 2, max: 63 }),
        (size, csid) => {
          const h = Buffer.from([csid, 0, 0, 0, 0, 0, 0, 9, 1, 0, 0, 0]);
          h.writeUIntBE(size, 4, 3);
          const r = new ChunkReader(limits);
          assert.equal(onlyRtmpErrors(() => r.push(h))?.code, RtmpErrorCode.MESSAGE_TOO_LARGE);
          assert.equal(r.bufferedBytes, 0);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('fuzz: session', () => {
  const valid = Buffer.concat([
    ...clientScript('publish', 'live', 'cam?k=v'),
    writeMessage(6, 9, 1, 0, tags.avcHeader, 128),
    writeMessage(6, 9, 1, 40, tags.avcKey(300), 128),
  ]);

  function drive(parts: Buffer[]): { ended: boolean; error: RtmpError | null } {
    const s = new RtmpSession({ readerLimits: { maxMessageSize: 64 * 1024, maxPendingBytes: 128 * 1024 } });
    let ended = false;
    let error: RtmpError | null = null;
    s.on('end', (e) => {
      ended = true;
      error = e;
    });
    s.on('publish', (c) => s.acceptPublish(c.streamId));
    for (const p of parts) {
      s.feed(p); // must never throw: bad input ends the session instead
      if (ended) break;
    }
    return { ended, error };
  }

  it('completes a valid publish whatever the split', () => {
    fc.assert(
      fc.property(splits(valid), (parts) => {
        const r = drive(parts);
        assert.equal(r.ended, false);
      }),
      { numRuns: RUNS },
    );
  });

  it('ends with a clear RtmpError (never a throw) on mutated input', () => {
    fc.assert(
      fc.property(edits, fc.nat({ max: 50 }), (ed, splitSeed) => {
        const bad = mutate(valid, ed);
        const cut = bad.length ? splitSeed % bad.length : 0;
        const r = drive([bad.subarray(0, cut), bad.subarray(cut)]);
        if (r.ended) {
          assert.ok(r.error instanceof RtmpError);
          assert.ok(r.error.message.length > 0);
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('ends with a clear RtmpError on random bytes after a good handshake', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), (junk) => {
        const [c0c1, c2] = clientScript('publish', 'live', 'x');
        const r = drive([c0c1!, c2!, Buffer.from(junk)]);
        if (r.ended) assert.ok(r.error instanceof RtmpError);
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('fuzz: names and URLs', () => {
  it('parseFlvPath, splitStreamName and parseConnectTarget never throw', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 100 }), (a, b) => {
        const t = parseFlvPath('GET', a);
        if (t) {
          assert.ok(t.app.length > 0 && t.stream.length > 0);
          assert.equal(Object.getPrototypeOf(t.query), Object.prototype);
        }
        splitStreamName(a);
        parseConnectTarget(a, b);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('parses what it should', () => {
    assert.deepEqual(parseFlvPath('GET', '/live/room1_u1_main.flv?sig=a%2Fb&exp=9'), {
      app: 'live',
      stream: 'room1_u1_main',
      query: { sig: 'a/b', exp: '9' },
    });
    assert.deepEqual(parseFlvPath('GET', '/a/b/c.flv'), { app: 'a/b', stream: 'c', query: {} });
    assert.equal(parseFlvPath('POST', '/live/x.flv'), null);
    assert.equal(parseFlvPath('GET', '/x.flv'), null);
    assert.equal(parseFlvPath('GET', '/live/%E0%A4%A.flv'), null, 'bad percent-encoding is not ours');
    assert.deepEqual(parseConnectTarget('live?token=1', 'rtmp://h:1935/live?k=v'), {
      app: 'live',
      query: { k: 'v', token: '1' },
    });
    assert.deepEqual(parseConnectTarget('', 'rtmp://h/app2/x'), { app: 'app2', query: {} });
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { RtmpError, RtmpErrorCode } from '../src/errors.js';
import {
  HANDSHAKE_SIZE,
  SERVER_KEY,
  ServerHandshake,
  digestOffset,
  findClientDigest,
  makeDigestC1,
  verifyServerS2,
} from '../src/protocol/handshake.js';
import { createHmac } from 'node:crypto';
import { simpleC0C1 } from './helpers.js';

describe('handshake', () => {
  it('answers a simple C1 with S2 = C1 and completes after C2', () => {
    const hs = new ServerHandshake();
    const c0c1 = simpleC0C1();
    const r = hs.feed(c0c1);
    assert.ok(r.output);
    assert.equal(r.output.length, 1 + 2 * HANDSHAKE_SIZE);
    assert.equal(r.output[0], 3);
    assert.ok(r.output.subarray(1 + HANDSHAKE_SIZE).equals(c0c1.subarray(1)), 'S2 echoes C1');
    assert.equal(hs.digest, false);
    assert.equal(r.done, false);
    const tail = Buffer.from([1, 2, 3]);
    const r2 = hs.feed(Buffer.concat([randomBytes(HANDSHAKE_SIZE), tail]));
    assert.equal(r2.done, true);
    assert.deepEqual(r2.rest, tail);
  });

  it('works fed one byte at a time', () => {
    const hs = new ServerHandshake();
    const all = Buffer.concat([simpleC0C1(), randomBytes(HANDSHAKE_SIZE)]);
    let outputs = 0;
    let done = false;
    for (const b of all) {
      const r = hs.feed(Buffer.from([b]));
      if (r.output) outputs++;
      done = r.done;
    }
    assert.equal(outputs, 1);
    assert.ok(done);
  });

  it('answers a digest C1 with a signed S1 and an S2 the client can verify', () => {
    const { c1, digest } = makeDigestC1();
    assert.ok(findClientDigest(c1)?.equals(digest));
    const hs = new ServerHandshake();
    const r = hs.feed(Buffer.concat([Buffer.from([3]), c1]));
    assert.ok(hs.digest);
    const s1 = r.output!.subarray(1, 1 + HANDSHAKE_SIZE);
    const s2 = r.output!.subarray(1 + HANDSHAKE_SIZE);
    // S1 digest (scheme 0) must verify with the server's 36-byte key, as Flash Player checks it.
    const off = digestOffset(s1, 0);
    const expect = createHmac('sha256', SERVER_KEY.subarray(0, 36))
      .update(s1.subarray(0, off))
      .update(s1.subarray(off + 32))
      .digest();
    assert.ok(expect.equals(s1.subarray(off, off + 32)));
    assert.ok(verifyServerS2(s2, digest));
    // A tampered S2 must not verify: the check is real.
    const bad = Buffer.from(s2);
    bad[0] = bad[0]! ^ 1;
    assert.equal(verifyServerS2(bad, digest), false);
  });

  it('treats a C1 with a wrong digest as simple', () => {
    const { c1 } = makeDigestC1();
    c1[100] = c1[100]! ^ 0xff;
    const hs = new ServerHandshake();
    const r = hs.feed(Buffer.concat([Buffer.from([3]), c1]));
    assert.equal(hs.digest, false);
    assert.ok(r.output!.subarray(1 + HANDSHAKE_SIZE).equals(c1));
  });

  it('refuses a non-RTMP version byte at once', () => {
    const hs = new ServerHandshake();
    assert.throws(
      () => hs.feed(Buffer.from('GET / HTTP/1.1\r\n')),
      (e: unknown) => e instanceof RtmpError && e.code === RtmpErrorCode.HANDSHAKE_FAILED,
    );
  });
});

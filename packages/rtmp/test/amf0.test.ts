import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Amf0Decoder, EcmaArray, decodeAmf0, encodeAmf0 } from '../src/protocol/amf0.js';
import { RtmpError, RtmpErrorCode } from '../src/errors.js';

function errCode(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof RtmpError, `expected RtmpError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected a throw');
}

describe('AMF0', () => {
  it('round-trips every supported type', () => {
    const values = [
      0,
      -1.5,
      Number.MAX_SAFE_INTEGER,
      true,
      false,
      '',
      'héllo 你好',
      null,
      undefined,
      new Date(1700000000000),
      [1, 'a', null, [true]],
      { a: 1, b: 'x', nested: { c: [1, 2], d: null } },
    ];
    assert.deepEqual(decodeAmf0(encodeAmf0(...values)), values);
  });

  it('writes strings over 65535 bytes as long strings', () => {
    const s = 'x'.repeat(70000);
    const buf = encodeAmf0(s);
    assert.equal(buf[0], 0x0c);
    assert.equal(decodeAmf0(buf)[0], s);
  });

  it('decodes ECMA arrays to plain objects', () => {
    const buf = encodeAmf0('onMetaData', new EcmaArray({ width: 320, height: 240, encoder: 'Lavf' }));
    assert.equal(buf[13], 0x08);
    assert.deepEqual(decodeAmf0(buf), ['onMetaData', { width: 320, height: 240, encoder: 'Lavf' }]);
  });

  it('decodes a known ffmpeg connect command byte for byte', () => {
    const bytes = Buffer.concat([
      Buffer.from('020007', 'hex'),
      Buffer.from('connect'),
      Buffer.from('003ff0000000000000', 'hex'),
      Buffer.from('030003', 'hex'),
      Buffer.from('app'),
      Buffer.from('020004', 'hex'),
      Buffer.from('live'),
      Buffer.from('000009', 'hex'),
    ]);
    const [name, tx, obj] = decodeAmf0(bytes);
    assert.equal(name, 'connect');
    assert.equal(tx, 1);
    assert.deepEqual(obj, { app: 'live' });
  });

  it('keeps __proto__ keys as own data, never as the prototype', () => {
    // { "__proto__": { polluted: true } } encoded by hand
    const key = Buffer.from('__proto__');
    const inner = encodeAmf0({ polluted: true });
    const buf = Buffer.concat([Buffer.from([0x03, 0, key.length]), key, inner, Buffer.from([0, 0, 9])]);
    const [obj] = decodeAmf0(buf) as [Record<string, unknown>];
    assert.equal(Object.getPrototypeOf(obj), Object.prototype);
    assert.deepEqual(Object.keys(obj), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('rejects truncation, unknown markers and deep nesting with RtmpError', () => {
    const full = encodeAmf0({ a: 'hello' });
    // Every cut throws, except right before the object-end marker (some encoders omit it).
    for (let i = 1; i < full.length; i++) {
      if (i === full.length - 1) continue;
      assert.equal(
        errCode(() => decodeAmf0(full.subarray(0, i))),
        RtmpErrorCode.BAD_AMF,
      );
    }
    assert.equal(
      errCode(() => decodeAmf0(Buffer.from([0x0d]))),
      RtmpErrorCode.BAD_AMF,
    );
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    assert.equal(
      errCode(() => decodeAmf0(encodeAmf0(deep as never))),
      RtmpErrorCode.AMF_TOO_DEEP,
    );
    assert.doesNotThrow(() => decodeAmf0(encodeAmf0(deep as never), 64));
  });

  it('refuses a strict array whose count exceeds the data, without allocating it', () => {
    const buf = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x05]);
    assert.equal(
      errCode(() => decodeAmf0(buf)),
      RtmpErrorCode.BAD_AMF,
    );
  });

  it('reports its offset so a caller can slice the rest', () => {
    const buf = encodeAmf0('@setDataFrame', 'onMetaData', { a: 1 });
    const d = new Amf0Decoder(buf);
    assert.equal(d.read(), '@setDataFrame');
    assert.deepEqual(decodeAmf0(buf.subarray(d.offset)), ['onMetaData', { a: 1 }]);
  });
});

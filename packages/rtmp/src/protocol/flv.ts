/** FLV tag types (the same numbers as RTMP message types). */
export const FlvTagType = { AUDIO: 8, VIDEO: 9, SCRIPT: 18 } as const;

/**
 * FLV file header plus PreviousTagSize0. The flags matter: mpegts.js (and the console preview)
 * waits for every track the header announces, so writers pass the stream's real tracks.
 */
export function flvHeader(hasAudio = true, hasVideo = true): Buffer {
  const b = Buffer.alloc(13);
  b.write('FLV', 0, 'latin1');
  b[3] = 1;
  b[4] = (hasAudio ? 4 : 0) | (hasVideo ? 1 : 0);
  b.writeUInt32BE(9, 5);
  return b;
}

/** One FLV tag (11-byte header, body, PreviousTagSize) as a single Buffer, ready to write. */
export function flvTag(type: number, timestamp: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(11 + body.length + 4);
  out[0] = type;
  out.writeUIntBE(body.length, 1, 3);
  const ts = timestamp >>> 0;
  out.writeUIntBE(ts & 0xffffff, 4, 3);
  out[7] = ts >>> 24; // FLV keeps the high byte after the low 24 bits
  out.writeUIntBE(0, 8, 3);
  body.copy(out, 11);
  out.writeUInt32BE(11 + body.length, 11 + body.length);
  return out;
}

/**
 * The same bytes as {@link flvTag} without copying the body: the 11-byte tag header, the body itself,
 * and the 4-byte previous-tag-size (both headers in one small allocation).
 */
export function flvTagParts(type: number, timestamp: number, body: Buffer): Buffer[] {
  const h = Buffer.allocUnsafe(15);
  h[0] = type;
  h.writeUIntBE(body.length, 1, 3);
  const ts = timestamp >>> 0;
  h.writeUIntBE(ts & 0xffffff, 4, 3);
  h[7] = ts >>> 24;
  h.writeUIntBE(0, 8, 3);
  h.writeUInt32BE(11 + body.length, 11);
  return body.length === 0 ? [h] : [h.subarray(0, 11), body, h.subarray(11)];
}

/** A parsed FLV tag (used by tests and readers of recordings). */
export interface FlvTag {
  type: number;
  timestamp: number;
  body: Buffer;
}

/**
 * Incremental FLV demuxer: push bytes, get whole tags. Bounded by `maxTagSize` so a broken file
 * cannot make it buffer without limit.
 */
export class FlvReader {
  private buf: Buffer = Buffer.alloc(0);
  private headerDone = false;

  constructor(private readonly maxTagSize = 16 * 1024 * 1024) {}

  /** Feeds bytes; returns complete tags. Throws a plain Error on a non-FLV stream. */
  push(data: Buffer): FlvTag[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    const out: FlvTag[] = [];
    if (!this.headerDone) {
      if (this.buf.length < 13) return out;
      if (this.buf.toString('latin1', 0, 3) !== 'FLV') throw new Error('not an FLV stream');
      const headerSize = this.buf.readUInt32BE(5);
      if (this.buf.length < headerSize + 4) return out;
      this.buf = this.buf.subarray(headerSize + 4);
      this.headerDone = true;
    }
    for (;;) {
      if (this.buf.length < 11) break;
      const size = this.buf.readUIntBE(1, 3);
      if (size > this.maxTagSize) throw new Error(`FLV tag of ${size} bytes is too large`);
      if (this.buf.length < 11 + size + 4) break;
      const timestamp = (this.buf.readUIntBE(4, 3) | (this.buf[7]! << 24)) >>> 0;
      out.push({ type: this.buf[0]!, timestamp, body: Buffer.from(this.buf.subarray(11, 11 + size)) });
      this.buf = this.buf.subarray(11 + size + 4);
    }
    return out;
  }
}

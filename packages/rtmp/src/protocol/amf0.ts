import { RtmpError, RtmpErrorCode } from '../errors.js';

/** A decoded AMF0 value. ECMA arrays decode to plain objects; strict arrays to JS arrays. */
export type AmfValue =
  | number
  | boolean
  | string
  | null
  | undefined
  | Date
  | AmfValue[]
  | EcmaArray
  | { [key: string]: AmfValue };

/**
 * Wraps a record so the encoder writes it as an AMF0 ECMA array (marker 0x08) rather than an
 * object; some players only read `onMetaData` in that form.
 */
export class EcmaArray {
  constructor(readonly value: Record<string, AmfValue>) {}
}

/** AMF0 type markers. */
export const Amf0Marker = {
  NUMBER: 0x00,
  BOOLEAN: 0x01,
  STRING: 0x02,
  OBJECT: 0x03,
  NULL: 0x05,
  UNDEFINED: 0x06,
  ECMA_ARRAY: 0x08,
  OBJECT_END: 0x09,
  STRICT_ARRAY: 0x0a,
  DATE: 0x0b,
  LONG_STRING: 0x0c,
} as const;

/** Default maximum nesting of objects/arrays; deep nesting is an attack, not a use case. */
export const DEFAULT_AMF_MAX_DEPTH = 32;

function amfError(message: string): RtmpError {
  return new RtmpError(RtmpErrorCode.BAD_AMF, message);
}

/**
 * Sets an own property even for keys like `__proto__`, because AMF keys come from the network and
 * plain assignment would let a peer rewrite an object's prototype.
 */
function setOwn(obj: Record<string, AmfValue>, key: string, value: AmfValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Reads AMF0 values one after another from a buffer. All reads are bounds-checked: a truncated or
 * hostile buffer ends in an {@link RtmpError}, never a RangeError or a huge allocation.
 */
export class Amf0Decoder {
  private pos: number;

  constructor(
    private readonly buf: Buffer,
    offset = 0,
    private readonly maxDepth = DEFAULT_AMF_MAX_DEPTH,
  ) {
    this.pos = offset;
  }

  /** Current read offset. */
  get offset(): number {
    return this.pos;
  }

  /** True when every byte has been consumed. */
  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** Decodes the next value. */
  read(): AmfValue {
    return this.value(0);
  }

  /** Decodes every remaining value. */
  readAll(): AmfValue[] {
    const out: AmfValue[] = [];
    while (!this.done) out.push(this.read());
    return out;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw amfError(`AMF0 truncated: need ${n} bytes at ${this.pos}`);
  }

  private u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  private u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  private u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  private f64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  private str(len: number): string {
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  private value(depth: number): AmfValue {
    const marker = this.u8();
    switch (marker) {
      case Amf0Marker.NUMBER:
        return this.f64();
      case Amf0Marker.BOOLEAN:
        return this.u8() !== 0;
      case Amf0Marker.STRING:
        return this.str(this.u16());
      case Amf0Marker.LONG_STRING:
        return this.str(this.u32());
      case Amf0Marker.NULL:
        return null;
      case Amf0Marker.UNDEFINED:
        return undefined;
      case Amf0Marker.DATE: {
        const ms = this.f64();
        this.u16(); // time zone, unused by every encoder since Flash 6
        return new Date(ms);
      }
      case Amf0Marker.OBJECT:
        return this.properties(depth + 1);
      case Amf0Marker.ECMA_ARRAY:
        this.u32(); // the count is advisory; the object-end marker is authoritative
        return this.properties(depth + 1);
      case Amf0Marker.STRICT_ARRAY: {
        this.checkDepth(depth + 1);
        const count = this.u32();
        // Never trust the count for allocation: every element needs at least one byte.
        if (count > this.buf.length - this.pos)
          throw amfError(`AMF0 strict array count ${count} exceeds data`);
        const arr: AmfValue[] = [];
        for (let i = 0; i < count; i++) arr.push(this.value(depth + 1));
        return arr;
      }
      default:
        throw amfError(`AMF0 marker 0x${marker.toString(16)} not supported at ${this.pos - 1}`);
    }
  }

  private checkDepth(depth: number): void {
    if (depth > this.maxDepth) {
      throw new RtmpError(RtmpErrorCode.AMF_TOO_DEEP, `AMF0 nesting deeper than ${this.maxDepth}`);
    }
  }

  private properties(depth: number): Record<string, AmfValue> {
    this.checkDepth(depth);
    const obj: Record<string, AmfValue> = {};
    for (;;) {
      const key = this.str(this.u16());
      if (key === '') {
        // Empty key followed by 0x09 ends the object. Some encoders omit it at the end of data.
        if (this.done) return obj;
        const end = this.u8();
        if (end !== Amf0Marker.OBJECT_END) throw amfError('AMF0 empty key without object end');
        return obj;
      }
      setOwn(obj, key, this.value(depth));
    }
  }
}

/** Decodes every AMF0 value in `buf`. */
export function decodeAmf0(buf: Buffer, maxDepth = DEFAULT_AMF_MAX_DEPTH): AmfValue[] {
  return new Amf0Decoder(buf, 0, maxDepth).readAll();
}

function encodeString(out: Buffer[], s: string, withMarker: boolean): void {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length > 0xffff) {
    if (!withMarker) throw amfError('AMF0 object key longer than 65535 bytes');
    const h = Buffer.allocUnsafe(5);
    h[0] = Amf0Marker.LONG_STRING;
    h.writeUInt32BE(bytes.length, 1);
    out.push(h, bytes);
    return;
  }
  const h = Buffer.allocUnsafe(withMarker ? 3 : 2);
  if (withMarker) h[0] = Amf0Marker.STRING;
  h.writeUInt16BE(bytes.length, withMarker ? 1 : 0);
  out.push(h, bytes);
}

const OBJECT_END = Buffer.from([0, 0, Amf0Marker.OBJECT_END]);

function encodeProps(out: Buffer[], obj: Record<string, AmfValue>): void {
  for (const [k, v] of Object.entries(obj)) {
    encodeString(out, k, false);
    encodeValue(out, v);
  }
  out.push(OBJECT_END);
}

function encodeValue(out: Buffer[], v: AmfValue): void {
  if (v === null) out.push(Buffer.from([Amf0Marker.NULL]));
  else if (v === undefined) out.push(Buffer.from([Amf0Marker.UNDEFINED]));
  else if (typeof v === 'number') {
    const b = Buffer.allocUnsafe(9);
    b[0] = Amf0Marker.NUMBER;
    b.writeDoubleBE(v, 1);
    out.push(b);
  } else if (typeof v === 'boolean') out.push(Buffer.from([Amf0Marker.BOOLEAN, v ? 1 : 0]));
  else if (typeof v === 'string') encodeString(out, v, true);
  else if (v instanceof Date) {
    const b = Buffer.alloc(11);
    b[0] = Amf0Marker.DATE;
    b.writeDoubleBE(v.getTime(), 1);
    out.push(b);
  } else if (Array.isArray(v)) {
    const h = Buffer.allocUnsafe(5);
    h[0] = Amf0Marker.STRICT_ARRAY;
    h.writeUInt32BE(v.length, 1);
    out.push(h);
    for (const item of v) encodeValue(out, item);
  } else if (v instanceof EcmaArray) {
    const h = Buffer.allocUnsafe(5);
    h[0] = Amf0Marker.ECMA_ARRAY;
    h.writeUInt32BE(Object.keys(v.value).length, 1);
    out.push(h);
    encodeProps(out, v.value);
  } else {
    out.push(Buffer.from([Amf0Marker.OBJECT]));
    encodeProps(out, v);
  }
}

/** Encodes values back to back as AMF0 (the body of a command or data message). */
export function encodeAmf0(...values: AmfValue[]): Buffer {
  const out: Buffer[] = [];
  for (const v of values) encodeValue(out, v);
  return Buffer.concat(out);
}

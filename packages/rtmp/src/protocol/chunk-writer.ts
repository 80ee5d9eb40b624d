import { RtmpError, RtmpErrorCode } from '../errors.js';

/** Chunk stream ids we send on; fixed so a message serialized once fits every player. */
export const Csid = {
  PROTOCOL: 2,
  COMMAND: 3,
  AUDIO: 4,
  DATA: 5,
  VIDEO: 6,
} as const;

/** RTMP message type ids. */
export const MessageType = {
  SET_CHUNK_SIZE: 1,
  ABORT: 2,
  ACK: 3,
  USER_CONTROL: 4,
  WINDOW_ACK_SIZE: 5,
  SET_PEER_BANDWIDTH: 6,
  AUDIO: 8,
  VIDEO: 9,
  DATA_AMF3: 15,
  SHARED_OBJECT_AMF3: 16,
  COMMAND_AMF3: 17,
  DATA_AMF0: 18,
  SHARED_OBJECT_AMF0: 19,
  COMMAND_AMF0: 20,
  AGGREGATE: 22,
} as const;

/** User control event types. */
export const UserControl = {
  STREAM_BEGIN: 0,
  STREAM_EOF: 1,
  STREAM_DRY: 2,
  SET_BUFFER_LENGTH: 3,
  STREAM_IS_RECORDED: 4,
  PING_REQUEST: 6,
  PING_RESPONSE: 7,
} as const;

/** Length of a basic header for `csid` (1 to 3 bytes). */
function basicHeaderLength(csid: number): number {
  if (csid >= 2 && csid <= 63) return 1;
  if (csid >= 64 && csid <= 319) return 2;
  if (csid >= 320 && csid <= 65599) return 3;
  throw new RtmpError(RtmpErrorCode.BAD_CHUNK, `chunk stream id ${csid} out of range`);
}

/** Writes the basic header of a `fmt` chunk on `csid` at `p`; returns the offset after it. */
function putBasicHeader(out: Buffer, p: number, fmt: number, csid: number, len: number): number {
  if (len === 1) {
    out[p] = (fmt << 6) | csid;
    return p + 1;
  }
  if (len === 2) {
    out[p] = fmt << 6;
    out[p + 1] = csid - 64;
    return p + 2;
  }
  out[p] = (fmt << 6) | 1;
  out[p + 1] = (csid - 64) & 0xff;
  out[p + 2] = (csid - 64) >> 8;
  return p + 3;
}

/**
 * Serializes one message into chunks: a type-0 header, then type-3 continuations every
 * `chunkSize` bytes. Always type 0 so the bytes do not depend on what was sent before on that
 * chunk stream: the hub can serialize a message once and give the same bytes to every player.
 * Extended timestamps are repeated on continuations, as ffmpeg and the spec's errata expect.
 * One contiguous Buffer (commands and control); the media fan-out uses {@link messageParts}.
 */
export function writeMessage(
  csid: number,
  typeId: number,
  streamId: number,
  timestamp: number,
  payload: Buffer,
  chunkSize: number,
): Buffer {
  const parts = messageParts(csid, typeId, streamId, timestamp, payload, chunkSize);
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

/**
 * The bytes of one message (see {@link writeMessage}) without copying the payload: the chunk headers
 * (one small allocation for all of them) interleaved with views of `payload`, for a vectored socket
 * write. The payload must not change while the parts are in use.
 */
export function messageParts(
  csid: number,
  typeId: number,
  streamId: number,
  timestamp: number,
  payload: Buffer,
  chunkSize: number,
): Buffer[] {
  if (chunkSize < 1)
    throw new RtmpError(RtmpErrorCode.BAD_CHUNK_SIZE, `chunk size ${chunkSize} out of range`);
  const len = payload.length;
  if (len > 0xffffff) {
    throw new RtmpError(RtmpErrorCode.MESSAGE_TOO_LARGE, `message of ${len} bytes cannot be sent`);
  }
  const ts = timestamp >>> 0;
  const extended = ts >= 0xffffff;
  const bh = basicHeaderLength(csid);
  const ext = extended ? 4 : 0;
  const chunks = Math.max(1, Math.ceil(len / chunkSize));
  const first = bh + 11 + ext;
  const cont = bh + ext;
  const hdr = Buffer.allocUnsafe(first + (chunks - 1) * cont);
  let p = putBasicHeader(hdr, 0, 0, csid, bh);
  hdr.writeUIntBE(extended ? 0xffffff : ts, p, 3);
  hdr.writeUIntBE(len, p + 3, 3);
  hdr[p + 6] = typeId;
  hdr.writeUInt32LE(streamId >>> 0, p + 7);
  p += 11;
  if (extended) hdr.writeUInt32BE(ts, p);
  if (len === 0) return [hdr];
  if (chunks === 1) return [hdr, payload];
  const parts: Buffer[] = [hdr.subarray(0, first)];
  let h = first;
  for (let off = 0; off < len; off += chunkSize) {
    if (off > 0) {
      let q = putBasicHeader(hdr, h, 3, csid, bh);
      if (extended) q = hdr.writeUInt32BE(ts, q);
      parts.push(hdr.subarray(h, q));
      h = q;
    }
    parts.push(payload.subarray(off, Math.min(off + chunkSize, len)));
  }
  return parts;
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

/** Set Chunk Size (type 1). Its own chunk size argument does not matter: the body is 4 bytes. */
export function setChunkSizeMessage(size: number): Buffer {
  return writeMessage(Csid.PROTOCOL, MessageType.SET_CHUNK_SIZE, 0, 0, u32(size & 0x7fffffff), 128);
}

/** Acknowledgement (type 3) with the number of bytes received so far. */
export function ackMessage(sequence: number): Buffer {
  return writeMessage(Csid.PROTOCOL, MessageType.ACK, 0, 0, u32(sequence), 128);
}

/** Window Acknowledgement Size (type 5). */
export function windowAckSizeMessage(size: number): Buffer {
  return writeMessage(Csid.PROTOCOL, MessageType.WINDOW_ACK_SIZE, 0, 0, u32(size), 128);
}

/** Set Peer Bandwidth (type 6); limit type 2 = dynamic. */
export function setPeerBandwidthMessage(size: number, limitType: 0 | 1 | 2 = 2): Buffer {
  return writeMessage(
    Csid.PROTOCOL,
    MessageType.SET_PEER_BANDWIDTH,
    0,
    0,
    Buffer.concat([u32(size), Buffer.from([limitType])]),
    128,
  );
}

/** User control message (type 4) with a 4-byte argument (stream id or ping timestamp). */
export function userControlMessage(event: number, value: number): Buffer {
  const body = Buffer.allocUnsafe(6);
  body.writeUInt16BE(event, 0);
  body.writeUInt32BE(value >>> 0, 2);
  return writeMessage(Csid.PROTOCOL, MessageType.USER_CONTROL, 0, 0, body, 128);
}

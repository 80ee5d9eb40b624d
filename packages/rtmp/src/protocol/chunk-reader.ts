import { RtmpError, RtmpErrorCode } from '../errors.js';
import type { PendingBudget } from './pending-budget.js';

/** One reassembled RTMP message. */
export interface RtmpMessage {
  /** Chunk stream it arrived on. */
  csid: number;
  /** Absolute timestamp in ms, modulo 2^32. */
  timestamp: number;
  /** Message type id (1 chunk size, 8 audio, 9 video, 18/15 data, 20/17 command…). */
  typeId: number;
  /** Message stream id (0 for control/NetConnection, createStream's id for NetStream). */
  streamId: number;
  payload: Buffer;
}

/** Hard limits of a {@link ChunkReader}; everything a peer can make us hold is bounded by these. */
export interface ChunkReaderLimits {
  /** Largest message a peer may declare (default 8 MiB). */
  maxMessageSize: number;
  /** Most distinct chunk stream ids per connection (default 64). */
  maxChunkStreams: number;
  /**
   * Largest chunk size a peer may set (default 2^31 − 1, the protocol's own ceiling). A big chunk
   * size costs us nothing: payload is buffered as it arrives, bounded by the message limits.
   */
  maxChunkSize: number;
  /** Most bytes held in partially received messages across all chunk streams (default 16 MiB). */
  maxPendingBytes: number;
}

/** Defaults for {@link ChunkReaderLimits}. */
export const DEFAULT_READER_LIMITS: ChunkReaderLimits = {
  maxMessageSize: 8 * 1024 * 1024,
  maxChunkStreams: 64,
  maxChunkSize: 0x7fffffff,
  maxPendingBytes: 16 * 1024 * 1024,
};

interface ChunkStreamState {
  csid: number;
  timestamp: number;
  delta: number;
  length: number;
  typeId: number;
  streamId: number;
  /** Whether the last full header carried an extended timestamp: type-3 chunks then carry one too. */
  extended: boolean;
  /** Pieces of the message being assembled; null between messages. */
  pieces: Buffer[] | null;
  received: number;
  /**
   * The whole payload, allocated once the rest of a multi-chunk message is in hand, so its chunks are
   * copied once into place instead of into pieces and again by `Buffer.concat`. Its full length is
   * counted as held (limit and budget) from then on.
   */
  whole: Buffer | null;
}

const MSG_HEADER_LEN = [11, 7, 3, 0] as const;

function chunkError(message: string): RtmpError {
  return new RtmpError(RtmpErrorCode.BAD_CHUNK, message);
}

/**
 * Reassembles RTMP messages from a chunk stream, sans-I/O. Headers are buffered (≤ 18 bytes);
 * payload bytes are copied straight into per-message pieces, so cost is linear in input whatever
 * the split. Set Chunk Size and Abort are applied here because they change how the very next
 * chunk is parsed; they are also returned so the session sees them.
 */
export class ChunkReader {
  /** Current incoming chunk size (the peer sets it with message type 1). */
  chunkSize = 128;
  private limits: ChunkReaderLimits;
  /** Server-wide budget the partial bytes are also counted against (none: only the own limit). */
  private budget: PendingBudget | null = null;
  private completed = 0;
  private readonly streams = new Map<number, ChunkStreamState>();
  private readonly hdr = Buffer.alloc(18);
  private hdrFill = 0;
  /** Chunk stream whose payload we are copying, and bytes left in the current chunk. */
  private current: ChunkStreamState | null = null;
  private chunkLeft = 0;
  private pendingBytes = 0;
  private failed: RtmpError | null = null;

  constructor(limits: Partial<ChunkReaderLimits> = {}) {
    this.limits = { ...DEFAULT_READER_LIMITS, ...limits };
  }

  /** Bytes held in partially received messages (bounded by `maxPendingBytes`). */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Messages completed so far (a peer that stops completing them is a slow peer). */
  get messagesCompleted(): number {
    return this.completed;
  }

  /** Changes the limits (raised once a connection is authorized); already-held bytes stay counted. */
  setLimits(limits: Partial<ChunkReaderLimits>): void {
    this.limits = { ...this.limits, ...limits };
  }

  /**
   * Counts partial bytes against `budget` from now on; what is held moves from the old budget to
   * the new one (taken even past its limit: it is already in memory).
   */
  setBudget(budget: PendingBudget | null): void {
    this.budget?.give(this.pendingBytes);
    this.budget = budget;
    budget?.force(this.pendingBytes);
  }

  /** Gives back every byte held to the shared budget (the connection is gone). */
  release(): void {
    this.budget?.give(this.pendingBytes);
    this.budget = null;
  }

  /** Number of chunk streams seen (bounded by `maxChunkStreams`). */
  get chunkStreamCount(): number {
    return this.streams.size;
  }

  /**
   * Feeds bytes; returns the messages they complete, in order. After a throw the reader is dead
   * and rethrows the same error: the connection must be closed.
   */
  push(data: Buffer): RtmpMessage[] {
    if (this.failed) throw this.failed;
    try {
      return this.parse(data);
    } catch (e) {
      this.failed =
        e instanceof RtmpError
          ? e
          : new RtmpError(RtmpErrorCode.BAD_CHUNK, `chunk parse failed: ${String(e)}`);
      throw this.failed;
    }
  }

  private parse(data: Buffer): RtmpMessage[] {
    const out: RtmpMessage[] = [];
    let pos = 0;
    while (pos < data.length) {
      if (this.current) {
        const st = this.current;
        const n = Math.min(this.chunkLeft, data.length - pos);
        if (!st.whole && st.length > this.chunkSize && st.received + data.length - pos >= st.length)
          this.takeWhole(st);
        if (st.whole) data.copy(st.whole, st.received, pos, pos + n);
        else if (this.pendingBytes + n > this.limits.maxPendingBytes) {
          throw new RtmpError(
            RtmpErrorCode.MESSAGE_TOO_LARGE,
            'too many bytes in partially received messages',
          );
        } else if (this.budget && !this.budget.tryTake(n)) {
          throw new RtmpError(
            RtmpErrorCode.MESSAGE_TOO_LARGE,
            'server-wide partial message budget exhausted',
          );
        }
        if (!st.whole) {
          // Copy: a subarray would pin the socket's whole read buffer for the message's lifetime.
          st.pieces!.push(Buffer.from(data.subarray(pos, pos + n)));
          this.pendingBytes += n;
        }
        st.received += n;
        this.chunkLeft -= n;
        pos += n;
        if (this.chunkLeft === 0) {
          this.current = null;
          if (st.received === st.length) this.finish(st, out);
        }
        continue;
      }
      this.hdr[this.hdrFill++] = data[pos++]!;
      const need = this.headerLength();
      if (need < 0 || this.hdrFill < need) continue;
      this.onHeader(out);
    }
    return out;
  }

  /** Total header length for the bytes seen so far, or -1 while it cannot be known yet. */
  private headerLength(): number {
    const b0 = this.hdr[0]!;
    const fmt = b0 >> 6;
    const low = b0 & 0x3f;
    const basic = low === 0 ? 2 : low === 1 ? 3 : 1;
    if (this.hdrFill < basic) return -1;
    const base = basic + MSG_HEADER_LEN[fmt as 0 | 1 | 2 | 3];
    if (fmt === 3) return this.lookup(this.csid(basic))?.extended ? base + 4 : base;
    if (this.hdrFill < basic + 3) return -1;
    return this.hdr.readUIntBE(basic, 3) === 0xffffff ? base + 4 : base;
  }

  private csid(basic: number): number {
    if (basic === 1) return this.hdr[0]! & 0x3f;
    if (basic === 2) return this.hdr[1]! + 64;
    return this.hdr[1]! + this.hdr[2]! * 256 + 64;
  }

  private lookup(csid: number): ChunkStreamState | undefined {
    return this.streams.get(csid);
  }

  private onHeader(out: RtmpMessage[]): void {
    const h = this.hdr;
    const fmt = h[0]! >> 6;
    const low = h[0]! & 0x3f;
    const basic = low === 0 ? 2 : low === 1 ? 3 : 1;
    const csid = this.csid(basic);
    const extLen = this.hdrFill - basic - MSG_HEADER_LEN[fmt as 0 | 1 | 2 | 3];
    const ext = extLen === 4 ? h.readUInt32BE(this.hdrFill - 4) : -1;
    this.hdrFill = 0;
    let st = this.streams.get(csid);
    if (!st) {
      if (fmt !== 0) throw chunkError(`chunk stream ${csid} starts with a type-${fmt} header`);
      if (this.streams.size >= this.limits.maxChunkStreams) {
        throw new RtmpError(
          RtmpErrorCode.TOO_MANY_CHUNK_STREAMS,
          `more than ${this.limits.maxChunkStreams} chunk streams`,
        );
      }
      st = {
        csid,
        timestamp: 0,
        delta: 0,
        length: 0,
        typeId: 0,
        streamId: 0,
        extended: false,
        pieces: null,
        received: 0,
        whole: null,
      };
      this.streams.set(csid, st);
    }
    if (fmt !== 3 && st.pieces)
      throw chunkError(`new type-${fmt} header on chunk stream ${csid} mid-message`);
    if (fmt <= 2) {
      const field = h.readUIntBE(basic, 3);
      st.extended = field === 0xffffff;
      const ts = st.extended ? ext : field;
      if (fmt <= 1) {
        st.length = h.readUIntBE(basic + 3, 3);
        st.typeId = h[basic + 6]!;
      }
      if (fmt === 0) {
        st.streamId = h.readUInt32LE(basic + 7);
        st.timestamp = ts;
      } else {
        st.timestamp = (st.timestamp + ts) >>> 0;
      }
      st.delta = ts;
    } else if (!st.pieces) {
      // A type-3 chunk that starts a message repeats the previous delta.
      st.timestamp = (st.timestamp + st.delta) >>> 0;
    }
    if (!st.pieces) {
      if (st.length > this.limits.maxMessageSize) {
        throw new RtmpError(
          RtmpErrorCode.MESSAGE_TOO_LARGE,
          `message of ${st.length} bytes exceeds the ${this.limits.maxMessageSize}-byte limit`,
        );
      }
      st.pieces = [];
      st.received = 0;
      if (st.length === 0) {
        this.finish(st, out);
        return;
      }
    }
    this.chunkLeft = Math.min(this.chunkSize, st.length - st.received);
    this.current = st;
  }

  /**
   * Allocates a message's whole payload when the rest of it is already in hand (no bytes are held on
   * a peer's word alone), charging the remainder to the limit and the budget; without room it stays
   * with pieces, whose own checks then refuse it as before.
   */
  private takeWhole(st: ChunkStreamState): void {
    const extra = st.length - st.received;
    if (this.pendingBytes + extra > this.limits.maxPendingBytes) return;
    if (this.budget && !this.budget.tryTake(extra)) return;
    const whole = Buffer.allocUnsafe(st.length);
    let off = 0;
    for (const p of st.pieces!) off += p.copy(whole, off);
    st.pieces = [];
    st.whole = whole;
    this.pendingBytes += extra;
  }

  /** Bytes counted as held for a message being assembled. */
  private held(st: ChunkStreamState): number {
    return st.whole ? st.length : st.received;
  }

  private finish(st: ChunkStreamState, out: RtmpMessage[]): void {
    const payload =
      st.whole ?? (st.pieces!.length === 1 ? st.pieces![0]! : Buffer.concat(st.pieces!, st.length));
    const held = this.held(st);
    this.pendingBytes -= held;
    this.budget?.give(held);
    st.whole = null;
    this.completed++;
    st.pieces = null;
    st.received = 0;
    const msg: RtmpMessage = {
      csid: st.csid,
      timestamp: st.timestamp,
      typeId: st.typeId,
      streamId: st.streamId,
      payload,
    };
    this.control(msg);
    out.push(msg);
  }

  /** Applies chunk-layer control messages at once: they govern how the next chunk is read. */
  private control(msg: RtmpMessage): void {
    if (msg.typeId === 1) {
      if (msg.payload.length < 4) throw chunkError('short Set Chunk Size');
      const size = msg.payload.readUInt32BE(0) & 0x7fffffff;
      if (size < 1 || size > this.limits.maxChunkSize) {
        throw new RtmpError(RtmpErrorCode.BAD_CHUNK_SIZE, `chunk size ${size} out of range`);
      }
      this.chunkSize = size;
    } else if (msg.typeId === 2) {
      if (msg.payload.length < 4) throw chunkError('short Abort');
      const st = this.streams.get(msg.payload.readUInt32BE(0));
      if (st?.pieces && st !== this.current) {
        const held = this.held(st);
        this.pendingBytes -= held;
        this.budget?.give(held);
        st.whole = null;
        st.pieces = null;
        st.received = 0;
      }
    }
  }
}

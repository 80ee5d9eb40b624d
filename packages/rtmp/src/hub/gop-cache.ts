import { BlockPool } from './block-pool.js';
import { HubMessage } from './hub-message.js';

/** Where one cached message's payload sits: a range of the cache's bytes, across its blocks. */
interface Entry {
  readonly typeId: number;
  readonly timestamp: number;
  readonly keyframe: boolean;
  readonly start: number;
  readonly end: number;
}

/**
 * The messages since the last video keyframe, so a new player can start decoding at once instead of
 * waiting for the next keyframe. Bounded by frame count and bytes: a GOP that outgrows either is
 * dropped whole (a GOP without its keyframe is useless) until the next keyframe.
 *
 * The payloads are copied into fixed-size blocks from a {@link BlockPool} (shared by a hub's streams)
 * and the blocks go back to the pool at the next keyframe, instead of the cache holding the
 * publisher's message buffers. Held for a whole GOP, those buffers would outlive V8's young generation,
 * and a promoted buffer's memory is only freed by a full collection, which V8 schedules after tens of
 * megabytes of such garbage. With the blocks, the publisher's buffers die young (freed by the scavenge
 * after their fan-out) and the caches hold about the bytes of their GOPs.
 *
 * A joining player gets copies (see {@link snapshot}): blocks are refilled after the next keyframe
 * while the player's socket may still hold the bytes.
 */
export class GopCache {
  private blocks: Buffer[] = [];
  private used = 0;
  private entries: Entry[] = [];
  /** False after an overflow, until the next keyframe. */
  private open = false;
  /** Messages handed to joiners this GOP: copies, shared by every joiner until the next keyframe. */
  private shared: HubMessage[] = [];

  /**
   * @param maxFrames - most messages per GOP (0 disables the cache)
   * @param maxBytes - most payload bytes per GOP (0 disables the cache)
   * @param pool - where blocks come from; a hub shares one among its streams
   */
  constructor(
    private readonly maxFrames: number,
    private readonly maxBytes: number,
    private readonly pool: BlockPool = new BlockPool(),
  ) {}

  /** Adds a message (its payload is copied); a keyframe starts a new GOP. Nothing before the first keyframe is kept. */
  push(msg: HubMessage, keyframe: boolean): void {
    if (this.maxFrames <= 0 || this.maxBytes <= 0) return;
    if (keyframe) {
      this.clear();
      this.open = true;
    }
    if (!this.open) return;
    const src = msg.payload;
    if (this.entries.length + 1 > this.maxFrames || this.used + src.length > this.maxBytes) {
      this.clear();
      return;
    }
    const start = this.used;
    const size = this.pool.blockSize;
    let done = 0;
    while (done < src.length) {
      const at = this.used % size;
      if (at === 0 && this.used === this.blocks.length * size) this.blocks.push(this.pool.take());
      const block = this.blocks[this.blocks.length - 1] as Buffer;
      const n = src.copy(block, at, done, Math.min(src.length, done + size - at));
      done += n;
      this.used += n;
    }
    this.entries.push({
      typeId: msg.typeId,
      timestamp: msg.timestamp,
      keyframe: msg.keyframe,
      start,
      end: this.used,
    });
  }

  /** Drops everything until the next keyframe (overflow, or the publisher changed); the blocks go back to the pool. */
  clear(): void {
    if (this.blocks.length) this.pool.give(this.blocks);
    this.blocks = [];
    this.entries = [];
    this.shared = [];
    this.used = 0;
    this.open = false;
  }

  /**
   * The cached messages, oldest (the keyframe) first, as messages of their own: their payloads are
   * views of one copy made for joiners, which stays valid after the blocks are reused. Joiners within
   * one GOP share the copies; each cached byte is copied for joiners at most once.
   */
  snapshot(): HubMessage[] {
    const from = this.shared.length;
    if (from < this.entries.length) {
      const base = (this.entries[from] as Entry).start;
      const copy = this.read(base, this.used);
      for (let i = from; i < this.entries.length; i++) {
        const e = this.entries[i] as Entry;
        this.shared.push(
          new HubMessage(e.typeId, e.timestamp, copy.subarray(e.start - base, e.end - base), e.keyframe),
        );
      }
    }
    return this.shared.slice();
  }

  /** Number of cached messages. */
  get length(): number {
    return this.entries.length;
  }

  /** Payload bytes cached. */
  get byteSize(): number {
    return this.used;
  }

  /** A copy of the cached bytes [from, to). */
  private read(from: number, to: number): Buffer {
    const out = Buffer.allocUnsafe(to - from);
    const size = this.pool.blockSize;
    let pos = from;
    while (pos < to) {
      const at = pos % size;
      const block = this.blocks[Math.floor(pos / size)] as Buffer;
      pos += block.copy(out, pos - from, at, Math.min(size, at + to - pos));
    }
    return out;
  }
}

/** Default size of a {@link BlockPool} block: small enough that a stream's last block wastes little. */
export const GOP_BLOCK_SIZE = 16 * 1024;

/** How often a hub gives back free blocks no stream needed for a whole period (see {@link BlockPool.trim}). */
export const BLOCK_TRIM_INTERVAL_MS = 10_000;

/**
 * Fixed-size buffers shared by the GOP caches of one hub, the way nginx-rtmp shares its chunk
 * buffers: the blocks one stream frees at its keyframe are refilled by other streams' frames, so the
 * caches together hold about the sum of their current GOPs, not each one's peak. The blocks live as
 * long as the pool and are reused, so they are never garbage for V8 to find (see {@link GopCache}).
 *
 * A freed block is always kept for reuse: a block is held for a whole GOP, long enough for V8 to
 * promote it to its old generation, and a promoted buffer let go is freed only by a full collection,
 * which V8 starts rarely — meanwhile new blocks are allocated beside it and the C heap grows (50
 * publishers: 43 MB of C heap when blocks beyond a quarter of those in use were let go at once, 24 MB
 * when kept; BENCHMARKS.md). Free blocks are let go only by {@link trim}, when no stream needed them
 * for a whole trim period, so a burst does not stay resident.
 */
export class BlockPool {
  private readonly free: Buffer[] = [];
  private taken = 0;
  /** Fewest free blocks since the last trim: that many were not needed in the period. */
  private lowWater = 0;

  /**
   * @param blockSize - bytes per block
   * @param minFree - free blocks a trim always keeps
   */
  constructor(
    readonly blockSize = GOP_BLOCK_SIZE,
    private readonly minFree = 64,
  ) {}

  /** A block to fill (its previous contents are garbage). */
  take(): Buffer {
    this.taken++;
    const b = this.free.pop();
    if (this.free.length < this.lowWater) this.lowWater = this.free.length;
    return b ?? Buffer.allocUnsafeSlow(this.blockSize);
  }

  /** Returns blocks to the pool; the caller must hold no view of them any more. */
  give(blocks: readonly Buffer[]): void {
    this.taken -= blocks.length;
    for (const b of blocks) this.free.push(b);
  }

  /**
   * Lets go of the free blocks that stayed unused since the last trim (beyond `minFree`); a hub calls
   * it every {@link BLOCK_TRIM_INTERVAL_MS}. Returns how many were let go.
   */
  trim(): number {
    const drop = Math.min(this.lowWater, this.free.length - this.minFree);
    if (drop > 0) this.free.splice(0, drop);
    this.lowWater = this.free.length;
    return Math.max(0, drop);
  }

  /** Bytes in blocks held by caches. */
  get bytesInUse(): number {
    return this.taken * this.blockSize;
  }

  /** Bytes in free blocks waiting for reuse. */
  get bytesFree(): number {
    return this.free.length * this.blockSize;
  }
}

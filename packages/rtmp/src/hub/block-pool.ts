/** Default size of a {@link BlockPool} block: small enough that a stream's last block wastes little. */
export const GOP_BLOCK_SIZE = 16 * 1024;

/**
 * Fixed-size buffers shared by the GOP caches of one hub, the way nginx-rtmp shares its chunk
 * buffers: the blocks one stream frees at its keyframe are refilled by other streams' frames, so the
 * caches together hold about the sum of their current GOPs, not each one's peak. The blocks live as
 * long as the pool and are reused, so they are never garbage for V8 to find (see {@link GopCache}).
 * Free blocks beyond a bound are let go, so a burst does not stay resident.
 */
export class BlockPool {
  private readonly free: Buffer[] = [];
  private taken = 0;

  /**
   * @param blockSize - bytes per block
   * @param minFree - free blocks always kept; above it, at most a quarter of the blocks in use
   */
  constructor(
    readonly blockSize = GOP_BLOCK_SIZE,
    private readonly minFree = 64,
  ) {}

  /** A block to fill (its previous contents are garbage). */
  take(): Buffer {
    this.taken++;
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.blockSize);
  }

  /** Returns blocks to the pool; the caller must hold no view of them any more. */
  give(blocks: readonly Buffer[]): void {
    this.taken -= blocks.length;
    const keep = Math.max(this.minFree, this.taken >> 2);
    for (const b of blocks) if (this.free.length < keep) this.free.push(b);
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

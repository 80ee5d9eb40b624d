/** Anything the GOP cache can hold: it only needs a size. */
export interface Sized {
  readonly size: number;
}

/**
 * The messages since the last video keyframe, so a new player can start decoding at once
 * instead of waiting for the next keyframe. Bounded by frame count and bytes: a GOP that outgrows
 * either is dropped whole (a GOP without its keyframe is useless) until the next keyframe.
 */
export class GopCache<M extends Sized> {
  private items: M[] = [];
  private bytes = 0;
  /** False after an overflow, until the next keyframe. */
  private open = false;

  constructor(
    private readonly maxFrames: number,
    private readonly maxBytes: number,
  ) {}

  /** Adds a message; a keyframe starts a new GOP. Messages before the first keyframe are not kept. */
  push(msg: M, keyframe: boolean): void {
    if (this.maxFrames <= 0 || this.maxBytes <= 0) return;
    if (keyframe) {
      this.items = [];
      this.bytes = 0;
      this.open = true;
    }
    if (!this.open) return;
    this.items.push(msg);
    this.bytes += msg.size;
    if (this.items.length > this.maxFrames || this.bytes > this.maxBytes) this.clear();
  }

  /** Drops everything until the next keyframe (overflow, or the publisher changed). */
  clear(): void {
    this.items = [];
    this.bytes = 0;
    this.open = false;
  }

  /** The cached messages, oldest (the keyframe) first. */
  snapshot(): readonly M[] {
    return this.items;
  }

  /** Number of cached messages. */
  get length(): number {
    return this.items.length;
  }

  /** Bytes held. */
  get byteSize(): number {
    return this.bytes;
  }
}

import { MessageType } from './chunk-writer.js';

/**
 * Maps each publisher's timestamps onto one stream timeline. A stream that changes publisher (a
 * takeover, or a reconnect within the grace window) must stay monotonic for its players, and the
 * step across the change should look like one more frame, not a 1 ms jump that players flag as a
 * non-increasing or bunched timestamp. So the first message of a new publisher is placed one
 * frame interval (as last measured for each track) after the last frame of that track, and never
 * before anything already sent.
 */
export class TimelineRebase {
  private offset = 0;
  private pending = false;
  private last: number | null = null;
  private readonly tracks = new Map<number, { ts: number; step: number }>();

  /** The next message comes from a new publisher: rebase on it. */
  publisherChanged(): void {
    this.pending = this.last !== null;
  }

  /** The stream timestamp for a publisher timestamp (32-bit wrapping, as RTMP counts). */
  map(timestamp: number): number {
    if (this.pending) {
      this.pending = false;
      this.offset = (this.nextTimestamp() - timestamp) >>> 0;
    }
    return (timestamp + this.offset) >>> 0;
  }

  /** Records a frame sent to players at stream time `ts` (sequence headers are not frames). */
  played(typeId: number, ts: number): void {
    this.last = ts;
    if (typeId !== MessageType.AUDIO && typeId !== MessageType.VIDEO) return;
    const t = this.tracks.get(typeId);
    if (!t) {
      this.tracks.set(typeId, { ts, step: 0 });
      return;
    }
    const d = (ts - t.ts) >>> 0;
    // A step of more than 10 s is a gap or a wrap, not a frame interval.
    if (d > 0 && d < 10_000) t.step = d;
    t.ts = ts;
  }

  /** Where the next publisher's first message goes: one step after each track, after everything. */
  nextTimestamp(): number {
    let next = this.last === null ? 0 : this.last + 1;
    for (const t of this.tracks.values()) next = Math.max(next, t.ts + Math.max(t.step, 1));
    return next >>> 0;
  }
}

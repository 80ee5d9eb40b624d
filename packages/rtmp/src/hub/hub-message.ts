import { Csid, MessageType, messageParts } from '../protocol/chunk-writer.js';
import { flvTagParts } from '../protocol/flv.js';

/** The wire format a player wants. */
export interface WireFormat {
  readonly format: 'rtmp' | 'flv';
  /** RTMP only: outgoing chunk size of that player's connection. */
  readonly chunkSize: number;
  /** RTMP only: the NetStream id the player plays on. */
  readonly streamId: number;
}

/**
 * One media message as the hub fans it out. Its wire headers are built lazily, once per distinct
 * wire format (RTMP chunk size + stream id, or FLV), and the same parts go to every player that
 * shares the format: N players cost one serialization, not N, and the payload is never copied.
 */
export class HubMessage {
  // Nearly every stream's players share one wire format (same chunk size and stream id), so the first
  // format's bytes sit in fields; a Map is made only for a second format. No per-message Map.
  // The format as values (not the sink object: a cached message must not keep a player alive).
  private firstKind: 'rtmp' | 'flv' | null = null;
  private firstChunkSize = 0;
  private firstStreamId = 0;
  private firstParts: Buffer[] | null = null;
  private more: Map<string, Buffer[]> | null = null;

  constructor(
    readonly typeId: number,
    readonly timestamp: number,
    readonly payload: Buffer,
    readonly keyframe = false,
  ) {}

  /** Payload size, for cache and rate accounting. */
  get size(): number {
    return this.payload.length;
  }

  /**
   * The bytes to write for a player of this format, as parts for one vectored write: chunk (or FLV
   * tag) headers and views of the payload, which is never copied.
   */
  partsFor(f: WireFormat): Buffer[] {
    const kind = this.firstKind;
    if (
      kind === f.format &&
      (kind === 'flv' || (this.firstChunkSize === f.chunkSize && this.firstStreamId === f.streamId))
    )
      return this.firstParts as Buffer[];
    if (kind === null) {
      const b = this.serialize(f);
      this.firstKind = f.format;
      this.firstChunkSize = f.chunkSize;
      this.firstStreamId = f.streamId;
      this.firstParts = b;
      return b;
    }
    const key = f.format === 'flv' ? 'flv' : `${f.chunkSize}/${f.streamId}`;
    this.more ??= new Map();
    let b = this.more.get(key);
    if (!b) {
      b = this.serialize(f);
      this.more.set(key, b);
    }
    return b;
  }

  /**
   * Drops the serialized headers (the payload stays): a message kept in the GOP cache after its
   * fan-out holds no per-format state. A late joiner serializes it again.
   */
  dropWire(): void {
    this.firstKind = null;
    this.firstParts = null;
    this.more = null;
  }

  private serialize(f: WireFormat): Buffer[] {
    return f.format === 'flv'
      ? flvTagParts(this.typeId, this.timestamp, this.payload)
      : messageParts(
          csidFor(this.typeId),
          this.typeId,
          f.streamId,
          this.timestamp,
          this.payload,
          f.chunkSize,
        );
  }
}

function csidFor(typeId: number): number {
  if (typeId === MessageType.AUDIO) return Csid.AUDIO;
  if (typeId === MessageType.VIDEO) return Csid.VIDEO;
  return Csid.DATA;
}

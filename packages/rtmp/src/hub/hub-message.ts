import { Csid, MessageType, writeMessage } from '../protocol/chunk-writer.js';
import { flvTag } from '../protocol/flv.js';

/** The wire format a player wants. */
export interface WireFormat {
  readonly format: 'rtmp' | 'flv';
  /** RTMP only: outgoing chunk size of that player's connection. */
  readonly chunkSize: number;
  /** RTMP only: the NetStream id the player plays on. */
  readonly streamId: number;
}

/**
 * One media message as the hub fans it out. Its wire bytes are built lazily, once per distinct
 * wire format (RTMP chunk size + stream id, or FLV), and the same Buffer goes to every player
 * that shares the format: N players cost one serialization, not N.
 */
export class HubMessage {
  private readonly wire = new Map<string, Buffer>();

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

  /** The bytes to write for a player of this format. */
  bytesFor(f: WireFormat): Buffer {
    const key = f.format === 'flv' ? 'flv' : `${f.chunkSize}/${f.streamId}`;
    let b = this.wire.get(key);
    if (!b) {
      b =
        f.format === 'flv'
          ? flvTag(this.typeId, this.timestamp, this.payload)
          : writeMessage(
              csidFor(this.typeId),
              this.typeId,
              f.streamId,
              this.timestamp,
              this.payload,
              f.chunkSize,
            );
      this.wire.set(key, b);
    }
    return b;
  }
}

function csidFor(typeId: number): number {
  if (typeId === MessageType.AUDIO) return Csid.AUDIO;
  if (typeId === MessageType.VIDEO) return Csid.VIDEO;
  return Csid.DATA;
}

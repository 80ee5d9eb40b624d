import { RtmpError, RtmpErrorCode } from '../errors.js';

/** One message carried inside an aggregate message. */
export interface AggregatePart {
  typeId: number;
  timestamp: number;
  payload: Buffer;
}

/**
 * Splits an RTMP aggregate message (type 22: FLV tags back to back, each with its PreviousTagSize)
 * into its parts. Timestamps are re-based on the aggregate's own timestamp, as FMS does: the first
 * tag's timestamp maps to `baseTimestamp`. Payloads are views into `payload`, not copies.
 */
export function splitAggregate(payload: Buffer, baseTimestamp: number): AggregatePart[] {
  const out: AggregatePart[] = [];
  let pos = 0;
  let first = -1;
  while (pos + 11 <= payload.length) {
    const typeId = payload[pos]!;
    const size = payload.readUIntBE(pos + 1, 3);
    const ts = (payload.readUIntBE(pos + 4, 3) | (payload[pos + 7]! << 24)) >>> 0;
    if (pos + 11 + size + 4 > payload.length) {
      throw new RtmpError(RtmpErrorCode.PROTOCOL_VIOLATION, 'truncated aggregate message');
    }
    if (first < 0) first = ts;
    out.push({
      typeId,
      timestamp: (baseTimestamp + ts - first) >>> 0,
      payload: payload.subarray(pos + 11, pos + 11 + size),
    });
    pos += 11 + size + 4;
  }
  return out;
}

import { Amf0Decoder, type AmfValue, decodeAmf0 } from './amf0.js';

/** What a publisher's data message (type 18, or 15 after its leading byte) means to the gateway. */
export type DataMessage =
  /** Stream metadata: `body` is `onMetaData` + value, ready to replay to players as is. */
  | { kind: 'metadata'; body: Buffer; value: AmfValue }
  /** `@setDataFrame` of something other than onMetaData: not relayed. */
  | { kind: 'ignored' }
  /** Any other data (onCuePoint, onTextData…): relayed to players untouched. */
  | { kind: 'relay'; body: Buffer };

/**
 * Classifies a data message. Encoders wrap metadata as `@setDataFrame, onMetaData, {…}` (FMLE,
 * ffmpeg, OBS) or send `onMetaData, {…}` directly; players must get the unwrapped form. The whole
 * body is decoded first, so nothing malformed is ever cached or relayed. Throws RtmpError.
 */
export function classifyData(body: Buffer, maxDepth: number): DataMessage {
  const d = new Amf0Decoder(body, 0, maxDepth);
  const first = d.read();
  if (first === '@setDataFrame') {
    const rest = body.subarray(d.offset);
    const values = decodeAmf0(rest, maxDepth);
    if (values[0] !== 'onMetaData') return { kind: 'ignored' };
    return { kind: 'metadata', body: Buffer.from(rest), value: values[1] };
  }
  const values = decodeAmf0(body, maxDepth);
  if (first === 'onMetaData') return { kind: 'metadata', body: Buffer.from(body), value: values[1] };
  return { kind: 'relay', body };
}

/**
 * What the gateway needs to know about an FLV/RTMP audio or video tag body: is it a sequence
 * header (cache it for late joiners), is it a keyframe (a GOP starts here), and which codec.
 * Handles classic AVC/HEVC tags and Enhanced RTMP (ex-header bit + FourCC: hvc1, av01, vp09, avc1).
 */
export interface TagInfo {
  /** Codec name: 'avc', 'hevc', 'av1', 'vp9', 'aac', 'mp3', … or 'unknown'. */
  codec: string;
  /** Decoder configuration (AVCDecoderConfigurationRecord, AudioSpecificConfig…). */
  sequenceHeader: boolean;
  /** A video frame a decoder can start from. Always false for audio. */
  keyframe: boolean;
}

const VIDEO_CODECS: Record<number, string> = {
  2: 'h263',
  3: 'screen',
  4: 'vp6',
  5: 'vp6a',
  7: 'avc',
  12: 'hevc',
};
const FOURCC: Record<string, string> = { avc1: 'avc', hvc1: 'hevc', av01: 'av1', vp09: 'vp9' };
const AUDIO_CODECS: Record<number, string> = {
  2: 'mp3',
  10: 'aac',
  11: 'speex',
  13: 'opus',
  7: 'g711a',
  8: 'g711u',
};

/** Enhanced RTMP video packet types that carry coded frames. */
const EX_CODED_FRAMES = 1;
const EX_CODED_FRAMES_X = 3;
const EX_SEQUENCE_START = 0;

/** Inspects a video tag body (the RTMP video message payload). */
export function inspectVideo(p: Buffer): TagInfo {
  if (p.length < 1) return { codec: 'unknown', sequenceHeader: false, keyframe: false };
  const b0 = p[0]!;
  if (b0 & 0x80) {
    const frameType = (b0 >> 4) & 0x07;
    const packetType = b0 & 0x0f;
    const fourcc = p.length >= 5 ? p.toString('latin1', 1, 5) : '';
    const codec = FOURCC[fourcc] ?? 'unknown';
    return {
      codec,
      sequenceHeader: packetType === EX_SEQUENCE_START,
      keyframe: frameType === 1 && (packetType === EX_CODED_FRAMES || packetType === EX_CODED_FRAMES_X),
    };
  }
  const frameType = b0 >> 4;
  const codecId = b0 & 0x0f;
  const codec = VIDEO_CODECS[codecId] ?? 'unknown';
  if (codecId === 7 || codecId === 12) {
    const packetType = p.length >= 2 ? p[1]! : -1;
    return { codec, sequenceHeader: packetType === 0, keyframe: frameType === 1 && packetType === 1 };
  }
  return { codec, sequenceHeader: false, keyframe: frameType === 1 };
}

/** Inspects an audio tag body. */
export function inspectAudio(p: Buffer): TagInfo {
  if (p.length < 1) return { codec: 'unknown', sequenceHeader: false, keyframe: false };
  const format = p[0]! >> 4;
  if (format === 9) {
    // Enhanced RTMP audio: low nibble is the packet type, FourCC follows.
    const fourcc = p.length >= 5 ? p.toString('latin1', 1, 5) : '';
    const codec = fourcc === 'mp4a' ? 'aac' : fourcc === 'Opus' ? 'opus' : fourcc.trim() || 'unknown';
    return { codec, sequenceHeader: (p[0]! & 0x0f) === 0, keyframe: false };
  }
  const codec = AUDIO_CODECS[format] ?? 'unknown';
  return { codec, sequenceHeader: format === 10 && p.length >= 2 && p[1] === 0, keyframe: false };
}

import { decodeAmf0 } from './amf0.js';

/** Which elementary streams a stream carries, as the FLV header announces them. */
export interface Tracks {
  audio: boolean;
  video: boolean;
}

/**
 * Reads the tracks an `onMetaData` body declares (`hasAudio`/`hasVideo`, or the presence of
 * `audiocodecid`/`videocodecid` as ffmpeg, GStreamer and OBS write them). Returns null when the
 * metadata says nothing either way, so the caller falls back to the sequence headers it has seen.
 */
export function tracksFromMetadata(body: Buffer): Tracks | null {
  let meta: unknown;
  try {
    meta = decodeAmf0(body)[1];
  } catch {
    return null;
  }
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) return null;
  const m = meta as Record<string, unknown>;
  const has = (flag: string, codecId: string): boolean | null => {
    if (typeof m[flag] === 'boolean') return m[flag] as boolean;
    if (m[codecId] !== undefined && m[codecId] !== null) return true;
    return null;
  };
  const audio = has('hasAudio', 'audiocodecid');
  const video = has('hasVideo', 'videocodecid');
  if (audio === null && video === null) return null;
  return { audio: audio ?? false, video: video ?? false };
}

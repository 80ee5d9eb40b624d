import type { RtcRoomEvent, ZegoQualityStats } from './types.js';

function num(v: unknown): number {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
}

/**
 * Turns a component network-status event into ZEGO-shaped quality stats. Mini-program components
 * report `detail.info` with `videoBitrate`, `audioBitrate`, `videoFPS`, `netSpeed`, `videoWidth`,
 * `videoHeight` (names vary slightly between components, so common spellings are accepted and the
 * original fields are kept in `raw`).
 */
export function qualityFromNetStatus(event: RtcRoomEvent | undefined): ZegoQualityStats {
  const detail = (event?.detail ?? {}) as Record<string, unknown>;
  const info = (typeof detail.info === 'object' && detail.info !== null ? detail.info : detail) as Record<
    string,
    unknown
  >;
  return {
    video: {
      videoBitrate: num(info.videoBitrate ?? info.videoBitRate),
      videoFPS: num(info.videoFPS ?? info.videoFps ?? info.fps),
      frameWidth: num(info.videoWidth ?? info.width),
      frameHeight: num(info.videoHeight ?? info.height),
    },
    audio: { audioBitrate: num(info.audioBitrate ?? info.audioBitRate) },
    netSpeed: num(info.netSpeed),
    raw: { ...info },
  };
}

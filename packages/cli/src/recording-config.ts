import { join, resolve } from 'node:path';
import type { MixingOptions, RecordingOptions } from '@minirtc/server';
import type { MiniRtcConfig } from './config.js';

/** The server's recording options from the `recording` config key. */
export function recordingOptions(config: MiniRtcConfig): RecordingOptions {
  const r = config.recording;
  return {
    dir: resolve(r.dir ?? join(config.dataDir, 'recordings')),
    urlTtlSeconds: r.urlTtlSeconds,
    ...(r.ffmpegPath ? { ffmpegPath: r.ffmpegPath } : {}),
    ...(r.ffprobePath ? { ffprobePath: r.ffprobePath } : {}),
    ...(r.s3
      ? {
          s3: {
            region: r.s3.region,
            bucket: r.s3.bucket,
            accessKeyId: r.s3.accessKeyId,
            secretAccessKey: r.s3.secretAccessKey,
            ...(r.s3.endpoint ? { endpoint: r.s3.endpoint } : {}),
            ...(r.s3.prefix ? { prefix: r.s3.prefix } : {}),
            ...(r.s3.keepLocal !== undefined ? { keepLocal: r.s3.keepLocal } : {}),
          },
        }
      : {}),
  };
}

/** The server's mixing options from the `mixing` config key. */
export function mixingOptions(config: MiniRtcConfig): MixingOptions {
  const m = config.mixing;
  return {
    maxTasks: m.maxTasks,
    groupRoomPrefixes: m.groupRoomPrefixes,
    ...(m.ffmpegPath ? { ffmpegPath: m.ffmpegPath } : {}),
  };
}

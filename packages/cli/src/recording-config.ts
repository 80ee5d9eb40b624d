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
  };
}

/** The server's mixing options from the `mixing` config key. */
export function mixingOptions(config: MiniRtcConfig): MixingOptions {
  const m = config.mixing;
  return { maxTasks: m.maxTasks, ...(m.ffmpegPath ? { ffmpegPath: m.ffmpegPath } : {}) };
}

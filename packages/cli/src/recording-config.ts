import { join, resolve } from 'node:path';
import type { RecordingOptions } from '@minirtc/server';
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

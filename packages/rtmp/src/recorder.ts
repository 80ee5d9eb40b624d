import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { flvHeader } from './flv.js';
import type { PlayerSink } from './stream-info.js';

/** A file name for a recording of `key` started at `startedAt`: slashes and odd characters become `_`. */
export function recordingFileName(key: string, startedAt: number): string {
  const safe = key.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 200);
  return `${safe}-${startedAt}.flv`;
}

/** A running recording: attach `sink` to the hub; `done` resolves with the path once the file is flushed. */
export interface Recording {
  path: string;
  sink: PlayerSink;
  done: Promise<string>;
}

/**
 * Records a stream to an FLV file by being one more (silent) player: it gets the same
 * serialize-once tags, the same takeover continuity, and the same backpressure rules
 * (a disk that cannot keep up skips to the next keyframe rather than growing memory).
 */
export async function startRecording(dir: string, key: string, startedAt: number): Promise<Recording> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, recordingFileName(key, startedAt));
  const file = createWriteStream(path);
  const done = new Promise<string>((resolve, reject) => {
    file.on('close', () => resolve(path));
    file.on('error', reject);
  });
  // As for HTTP-FLV: the header's track flags wait for the hub to name the stream's tracks.
  let headerSent = false;
  const header = (t = { audio: true, video: true }) => {
    if (headerSent || file.destroyed) return;
    headerSent = true;
    file.write(flvHeader(t.audio, t.video));
  };
  const sink: PlayerSink = {
    announceTracks: header,
    format: 'flv',
    chunkSize: 0,
    streamId: 0,
    pendingBytes: () => file.writableLength,
    write: (b) => {
      header();
      if (!file.destroyed) file.write(b);
    },
    writeBatch: (bufs) => {
      header();
      if (file.destroyed) return;
      file.cork();
      for (const b of bufs) file.write(b);
      file.uncork();
    },
    close: () => {
      header(); // a recording that got no media is still a valid (empty) FLV file
      if (!file.destroyed) file.end();
    },
  };
  return { path, sink, done };
}

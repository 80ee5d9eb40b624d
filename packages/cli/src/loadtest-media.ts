import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Publishers one ffmpeg pushes (tee muxer, stream copy): as the calls benchmark does. */
const URLS_PER_FFMPEG = 10;

/**
 * A small synthetic source for `loadtest --publishers` without `--media`: 10 s of a 320×240, 15 fps
 * test pattern (H.264, 1 s GOP) with a tone (AAC), about 300 kbps, written once into `dir`, so every
 * publisher pushes it with `-c copy` and costs the load machine little CPU.
 */
export function makeSyntheticMedia(dir: string): string {
  const file = join(dir, 'loadtest-source.flv');
  const r = spawnSync(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-t', '10'],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '250k', '-g', '15', '-pix_fmt', 'yuv420p'],
      ...['-c:a', 'aac', '-b:a', '48k', '-f', 'flv', file],
    ],
    { encoding: 'utf8' },
  );
  if (r.error) throw new Error(`--publishers needs ffmpeg: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`ffmpeg could not make the synthetic source: ${r.stderr.slice(-400)}`);
  return file;
}

/** Publishers pushing a file in a loop until {@link MediaPushers.stop}. */
export interface MediaPushers {
  /** The first failure of an ffmpeg that exited while it should have been pushing, if any. */
  failure(): string | null;
  stop(): Promise<void>;
}

/** Pushes `file` (looped, in real time, stream copy) to every RTMP URL, ten URLs per ffmpeg. */
export function pushMedia(file: string, urls: string[]): MediaPushers {
  const procs: ChildProcess[] = [];
  let failure: string | null = null;
  let stopping = false;
  for (let i = 0; i < urls.length; i += URLS_PER_FFMPEG) {
    const tee = urls
      .slice(i, i + URLS_PER_FFMPEG)
      .map((u) => `[f=flv:onfail=ignore]${u}`)
      .join('|');
    const p = spawn(
      'ffmpeg',
      [
        ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', file],
        ...['-map', '0', '-c', 'copy', '-f', 'tee', tee],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    p.stderr?.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-600);
    });
    p.once('error', (e) => {
      failure ??= `ffmpeg: ${e.message}`;
    });
    p.once('exit', (code) => {
      if (!stopping) failure ??= `a publishing ffmpeg exited (${code}): ${err.trim()}`;
    });
    procs.push(p);
  }
  return {
    failure: () => failure,
    stop: async () => {
      stopping = true;
      await Promise.all(
        procs.map(
          (p) =>
            new Promise<void>((resolve) => {
              if (p.exitCode !== null || p.signalCode !== null) return resolve();
              p.once('exit', () => resolve());
              p.kill('SIGKILL');
            }),
        ),
      );
    },
  };
}

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** A running ffmpeg with helpers to wait on it without sleeping. */
export interface Ffmpeg {
  proc: ChildProcess;
  stderr(): string;
  exited: Promise<number | null>;
  kill(): Promise<void>;
}

function run(args: string[]): Ffmpeg {
  const proc = spawn('ffmpeg', ['-hide_banner', '-nostdin', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 64 * 1024) err = err.slice(-32 * 1024);
  });
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => resolve(code));
    // ffmpeg missing or not executable: report it as a failed run rather than an unhandled error.
    proc.once('error', (e) => {
      err += String(e);
      resolve(-1);
    });
  });
  return {
    proc,
    stderr: () => err,
    exited,
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** The knobs of {@link publishPattern}; defaults give {@link publishTestPattern}'s stream. */
export interface PatternOptions {
  /** Video size, `WxH` (default 320x240). */
  size?: string;
  /** Frames per second (default 25). */
  rate?: number;
  /** GOP length in frames (default: `rate`, a 1 s GOP). */
  gop?: number;
  /** Tone frequency, Hz (default 440). */
  hz?: number;
  /** AAC bitrate (default 64k). */
  audioBitrate?: string;
  /** Stop after this many seconds of media (default: run until killed). */
  seconds?: number;
  /** ffmpeg's log level (default warning). */
  loglevel?: string;
}

/** Publishes a lavfi test pattern with a tone, H.264/AAC in FLV, in real time, shaped by `o`. */
export function publishPattern(url: string, o: PatternOptions = {}): Ffmpeg {
  const rate = o.rate ?? 25;
  const dur = o.seconds !== undefined ? `:duration=${o.seconds}` : '';
  return run([
    ...['-loglevel', o.loglevel ?? 'warning', '-re'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=${o.size ?? '320x240'}:rate=${rate}${dur}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=${o.hz ?? 440}:sample_rate=44100${dur}`],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency'],
    ...['-g', String(o.gop ?? rate), '-pix_fmt', 'yuv420p'],
    ...['-c:a', 'aac', '-b:a', o.audioBitrate ?? '64k', '-f', 'flv', url],
  ]);
}

/** Publishes a 320x240 test pattern with a 440 Hz tone, H.264/AAC, 1 s GOP, in real time. */
export function publishTestPattern(url: string): Ffmpeg {
  return publishPattern(url);
}

/** A player that decodes video and audio and counts decoded frames per stream. */
export interface Player extends Ffmpeg {
  video(): number;
  audio(): number;
  /** Resolves when at least `v` video and `a` audio frames have been decoded. */
  waitFrames(v: number, a?: number): Promise<void>;
}

/**
 * Plays `url` (rtmp:// or http://…flv), decoding both streams to the framecrc muxer on stdout: one line
 * per decoded frame, `0,` video and `1,` audio, so a test can count what really arrived.
 * `inputOptions` go before `-i` (e.g. `-ca_file ca.pem` for https://).
 */
export function play(url: string, maxSeconds = 60, inputOptions: string[] = []): Player {
  const f = run([
    '-loglevel',
    'warning',
    '-rw_timeout',
    '15000000',
    ...inputOptions,
    '-i',
    url,
    '-t',
    String(maxSeconds),
    '-map',
    '0:v:0',
    '-map',
    '0:a:0',
    '-f',
    'framecrc',
    '-',
  ]);
  let video = 0;
  let audio = 0;
  let tail = '';
  const waiters: { v: number; a: number; resolve: () => void }[] = [];
  const check = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!;
      if (video >= w.v && audio >= w.a) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
  };
  f.proc.stdout!.on('data', (d: Buffer) => {
    const lines = (tail + d.toString()).split('\n');
    tail = lines.pop() ?? '';
    for (const l of lines) {
      if (l.startsWith('0,')) video++;
      else if (l.startsWith('1,')) audio++;
    }
    check();
  });
  return {
    ...f,
    video: () => video,
    audio: () => audio,
    waitFrames: (v, a = 0) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ v, a, resolve });
        check();
        void f.exited.then((code) => {
          if (video < v || audio < a) {
            reject(
              new Error(
                `player exited (${code}) after ${video} video / ${audio} audio frames: ${f.stderr().slice(-800)}`,
              ),
            );
          }
        });
      }),
  };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { TypedEmitter } from '@minirtc/protocol/emitter';
import type { Payloads } from '@minirtc/protocol/emitter';

/** What a media process does for its `<rtc-room>`: push the camera/microphone, or pull a remote stream. */
export type MediaRole = 'push' | 'pull';

/** Counters of a media process; for a pull they prove that decodable media arrived. */
export interface MediaStats {
  /** Video frames decoded (pull) or sent (push). */
  videoFrames: number;
  /** Audio frames decoded (pull only). */
  audioFrames: number;
  /** Audio samples decoded (pull only), from each frame's duration in 1/sample-rate units. */
  audioSamples: number;
  /** Bytes written to the RTMP connection (push only), from ffmpeg's progress report. */
  bytesSent: number;
}

/** Events of one ffmpeg run. */
export type FfmpegMediaEvents = {
  /** Push: the RTMP connection is up and media bytes went out. Pull: the first frame was decoded. */
  started: undefined;
  /** Pull: the first video frame was decoded (the device's `onFirstRender`). */
  firstVideoFrame: undefined;
  /** ffmpeg ended without being asked to; `started` tells whether it had been working. */
  failed: { code: number | null; signal: string | null; started: boolean; stderr: string };
  /** Counters changed (a frame decoded, a progress report). */
  progress: undefined;
  /** The process is gone, for whatever reason. */
  exit: { code: number | null; signal: string | null };
};

/** How to run ffmpeg for one role. */
export interface FfmpegMediaOptions {
  role: MediaRole;
  url: string;
  /** Push: a media file to loop instead of the test pattern and tone. */
  file?: string;
  /** Path of the ffmpeg binary; `ffmpeg` from PATH by default. */
  ffmpegPath?: string;
}

/** The argument list for a role; exported so the CLI and docs show exactly what runs. */
export function ffmpegArgs(opts: FfmpegMediaOptions): string[] {
  const common = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-nostats'];
  if (opts.role === 'pull') {
    // framecrc prints one line per decoded frame with its stream and duration: cheap proof of media.
    // A short probe (32 KiB / 0.3 s) makes the first frame come as fast as a device shows it: the
    // gateway's GOP cache sends a keyframe and audio at once, so both streams are found (measured:
    // ~0.25 s to the first frame instead of ~1.1 s with ffmpeg's default probing).
    return [
      ...common,
      '-probesize',
      '32768',
      '-analyzeduration',
      '300000',
      '-rtmp_live',
      'live',
      '-i',
      opts.url,
      '-f',
      'framecrc',
      '-',
    ];
  }
  const input =
    opts.file !== undefined
      ? ['-re', '-stream_loop', '-1', '-i', opts.file]
      : [
          '-re',
          '-f',
          'lavfi',
          '-i',
          'testsrc2=size=320x240:rate=25',
          '-f',
          'lavfi',
          '-i',
          'sine=frequency=440',
        ];
  return [
    ...common,
    '-progress',
    'pipe:1',
    '-stats_period',
    '0.2',
    ...input,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-g',
    '25',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    '-f',
    'flv',
    opts.url,
  ];
}

// Every ffmpeg we started and that still runs. A push of the endless test pattern to a remote server
// would outlive a host that exits without close() (process.exit, an uncaught exception), so they are
// killed synchronously on the way out.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackProcess(proc: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const p of live) p.kill('SIGKILL');
    });
  }
  live.add(proc);
  proc.once('close', () => live.delete(proc));
}

/**
 * One ffmpeg process standing in for the device's media engine. It reports `started` only on evidence
 * (bytes sent, a frame decoded), never on a timer, so a test that waits for 3800/3802 proves media moved.
 */
export class FfmpegMedia extends TypedEmitter<Payloads<FfmpegMediaEvents>> {
  /** Live counters. */
  readonly stats: MediaStats = { videoFrames: 0, audioFrames: 0, audioSamples: 0, bytesSent: 0 };
  private proc: ChildProcess | undefined;
  private stopping = false;
  private started = false;
  private firstVideo = false;
  private stderrTail = '';
  private exited: Promise<void> = Promise.resolve();
  private readonly mediaTypes = new Map<string, string>();

  /** @param opts what to run. */
  constructor(readonly opts: FfmpegMediaOptions) {
    super();
  }

  /** Whether the process is running. */
  get running(): boolean {
    return this.proc !== undefined;
  }

  /** OS process id while running. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Whether `started` has been emitted for this run. */
  get isStarted(): boolean {
    return this.started;
  }

  /** Spawns ffmpeg. A spawn error (no binary) arrives as `failed`, like any other failure. */
  start(): void {
    if (this.proc !== undefined) return;
    this.stopping = false;
    this.started = false;
    this.firstVideo = false;
    const proc = spawn(this.opts.ffmpegPath ?? 'ffmpeg', ffmpegArgs(this.opts), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    trackProcess(proc);
    proc.stderr!.on('data', (b: Buffer) => {
      this.stderrTail = (this.stderrTail + b.toString()).slice(-2000);
    });
    const lines = createInterface({ input: proc.stdout as Readable });
    lines.on('line', (l) => (this.opts.role === 'push' ? this.onProgress(l) : this.onFrameLine(l)));
    this.exited = new Promise((resolve) => {
      let done = false;
      const finish = (code: number | null, signal: string | null): void => {
        if (done) return;
        done = true;
        this.proc = undefined;
        if (!this.stopping) {
          this.emit('failed', { code, signal, started: this.started, stderr: this.stderrTail.trim() });
        }
        this.emit('exit', { code, signal });
        resolve();
      };
      proc.on('error', (e) => {
        this.stderrTail += String(e.message);
        finish(null, null);
      });
      proc.on('close', (code, signal) => finish(code, signal));
    });
  }

  /**
   * Ends the process and resolves once it is gone. By default as the device stops media on purpose:
   * SIGTERM, so ffmpeg closes the RTMP session properly (then SIGKILL if it lingers). With `abrupt`, as a
   * lost network does: SIGKILL, so the server sees the connection die with no unpublish.
   */
  async stop(opts: { abrupt?: boolean } = {}): Promise<void> {
    const proc = this.proc;
    if (proc === undefined) return this.exited;
    this.stopping = true;
    proc.kill(opts.abrupt ? 'SIGKILL' : 'SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 2000);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  private markStarted(): void {
    if (this.started) return;
    this.started = true;
    this.emit('started', undefined);
  }

  private onProgress(line: string): void {
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'frame') this.stats.videoFrames = Number(value) || 0;
    else if (key === 'total_size') this.stats.bytesSent = Number(value) || 0;
    else if (key === 'progress') {
      if (this.stats.videoFrames > 0 && this.stats.bytesSent > 0) this.markStarted();
      this.emit('progress', undefined);
    }
  }

  private onFrameLine(line: string): void {
    if (line.startsWith('#')) {
      const m = /^#media_type (\d+): (\w+)/.exec(line);
      if (m !== null) this.mediaTypes.set(m[1]!, m[2]!);
      return;
    }
    const parts = line.split(',').map((s) => s.trim());
    if (parts.length < 6) return;
    const type = this.mediaTypes.get(parts[0]!);
    if (type === 'video') this.stats.videoFrames++;
    else if (type === 'audio') {
      this.stats.audioFrames++;
      this.stats.audioSamples += Number(parts[3]) || 0;
    }
    this.markStarted();
    if (type === 'video' && !this.firstVideo) {
      this.firstVideo = true;
      this.emit('firstVideoFrame', undefined);
    }
    this.emit('progress', undefined);
  }
}

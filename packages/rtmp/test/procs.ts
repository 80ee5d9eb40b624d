import { type ChildProcess, spawn } from 'node:child_process';
import { type Socket, connect } from 'node:net';
import { MessageType } from '../src/chunk-writer.js';
import { ServerOutput } from './helpers.js';

const live = new Set<ChildProcess>();

/** A spawned ffmpeg/ffprobe with its exit as a promise and its stderr collected. */
export interface Proc {
  proc: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Spawns a tool; it is killed by {@link killAll} if still running. */
export function run(cmd: string, args: string[], stdin: 'ignore' | 'pipe' = 'ignore'): Proc {
  const proc = spawn(cmd, args, { stdio: [stdin, 'pipe', 'pipe'] });
  live.add(proc);
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-8000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    });
  });
  return { proc, exited, stderr: () => err };
}

/** Kills every tool still running (for `after`/finally). */
export function killAll(): void {
  for (const p of live) p.kill('SIGKILL');
}

/** ffmpeg publishing a 25 fps test pattern with a 440 Hz tone, GOP 25, in real time. */
export function publish(url: string, extra: string[] = []): Proc {
  return run('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-re',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x240:rate=25',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-g',
    '25',
    '-c:a',
    'aac',
    ...extra,
    '-f',
    'flv',
    url,
  ]);
}

/** Counts of decoded frames per media type, as a player streams them. */
export interface FrameCounter extends Proc {
  video: number;
  audio: number;
  /** Resolves once `n` more video frames than `from` have been decoded (rejects if ffmpeg exits first). */
  untilVideo(n: number): Promise<void>;
}

/**
 * ffmpeg decoding a stream (RTMP or HTTP-FLV) and printing one framemd5 line per decoded frame,
 * counted as they arrive. `-rw_timeout` makes a broken server fail the test instead of hanging it.
 */
export function play(url: string, maxVideoFrames?: number): FrameCounter {
  const args = ['-hide_banner', '-loglevel', 'error', '-rw_timeout', '15000000', '-i', url];
  if (maxVideoFrames) args.push('-frames:v', String(maxVideoFrames));
  args.push('-f', 'framemd5', '-flush_packets', '1', '-');
  const p = run('ffmpeg', args) as FrameCounter;
  p.video = 0;
  p.audio = 0;
  const kinds = new Map<string, string>();
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let buf = '';
  p.proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) {
      const mt = /^#media_type (\d+): (\w+)/.exec(l);
      if (mt) kinds.set(mt[1]!, mt[2]!);
      if (l.startsWith('#') || !l.trim()) continue;
      const kind = kinds.get(l.split(',')[0]!.trim());
      if (kind === 'video') p.video++;
      else if (kind === 'audio') p.audio++;
    }
    for (const w of [...waiters]) {
      if (p.video >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  p.untilVideo = (n) =>
    new Promise<void>((resolve, reject) => {
      if (p.video >= n) return resolve();
      waiters.push({ n, resolve });
      void p.exited.then(() => {
        if (p.video < n) reject(new Error(`player exited after ${p.video}/${n} video frames: ${p.stderr()}`));
      });
    });
  return p;
}

/** A raw RTMP client socket driven by scripted bytes; parses what the server sends. */
export class RawClient {
  readonly socket: Socket;
  readonly out: ServerOutput;
  readonly closed: Promise<void>;
  private waiters: Array<{ test: () => boolean; resolve: () => void }> = [];

  /** `keepMediaBytes`: see {@link ServerOutput} (64 by default, so floods stay small). */
  constructor(port: number, keepMediaBytes?: number) {
    this.out = new ServerOutput(keepMediaBytes);
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()));
    this.socket.on('data', (d) => {
      try {
        this.out.push(d);
      } catch {
        this.socket.destroy();
      }
      this.check();
    });
  }

  write(...bufs: Buffer[]): void {
    for (const b of bufs) this.socket.write(b);
  }

  /** Resolves when `test` holds for what was received (rejects if the socket closes first). */
  until(test: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      if (test()) return resolve();
      this.waiters.push({ test, resolve });
      void this.closed.then(() => {
        if (!test()) reject(new Error(`socket closed; got ${this.out.codes().join(',')}`));
      });
    });
  }

  /** Video messages received so far. */
  videos(): Buffer[] {
    return this.out.messages.filter((m) => m.typeId === MessageType.VIDEO).map((m) => m.payload);
  }

  private check(): void {
    for (const w of [...this.waiters]) {
      if (w.test()) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }
}

import { type ChildProcess, spawn } from 'node:child_process';
import { type Socket, connect } from 'node:net';
import type { Readable } from 'node:stream';
import { MessageType } from '../src/protocol/chunk-writer.js';
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

/** Decoded-frame counts of an ffmpeg decoding some input (see {@link decode}). */
export interface Decoded extends Proc {
  video: number;
  audio: number;
  /** Resolves once `n` video (or audio) frames were decoded; rejects if ffmpeg exits first. */
  until(kind: 'video' | 'audio', n: number): Promise<void>;
}

/**
 * ffmpeg decoding `inputArgs` (a URL, or `-f flv -i -` with `stdin` piped in) to framemd5 lines,
 * one per decoded frame, counted per media type as they arrive. `-rw_timeout` bounds a stalled peer.
 */
export function decode(inputArgs: string[], opts: { stdin?: Readable; maxVideo?: number } = {}): Decoded {
  const args = ['-hide_banner', '-loglevel', 'error', ...inputArgs];
  if (opts.maxVideo) args.push('-frames:v', String(opts.maxVideo));
  args.push('-f', 'framemd5', '-flush_packets', '1', '-');
  const p = run('ffmpeg', args, opts.stdin ? 'pipe' : 'ignore') as Decoded;
  if (opts.stdin) {
    opts.stdin.pipe(p.proc.stdin!);
    p.proc.stdin!.on('error', () => {}); // ffmpeg may stop reading first (-frames:v reached)
  }
  p.video = 0;
  p.audio = 0;
  const kinds = new Map<string, string>();
  const waiters: Array<() => void> = [];
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
    for (const w of [...waiters]) w();
  });
  p.until = (kind, n) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (p[kind] < n) return;
        waiters.splice(waiters.indexOf(check), 1);
        resolve();
      };
      waiters.push(check);
      check();
      void p.exited.then(() => {
        if (p[kind] < n)
          reject(new Error(`decoder exited after ${p[kind]}/${n} ${kind} frames: ${p.stderr()}`));
      });
    });
  return p;
}

/** Counts of decoded frames per media type, as a player streams them. */
export interface FrameCounter extends Decoded {
  /** Resolves once `n` video frames have been decoded (rejects if ffmpeg exits first). */
  untilVideo(n: number): Promise<void>;
}

/**
 * ffmpeg decoding a stream (RTMP or HTTP-FLV), one framemd5 line per decoded frame, counted as they
 * arrive (see {@link decode}). `-rw_timeout` makes a broken server fail the test instead of hanging it.
 */
export function play(url: string, maxVideoFrames?: number): FrameCounter {
  const p = decode(['-rw_timeout', '15000000', '-i', url], { maxVideo: maxVideoFrames }) as FrameCounter;
  p.untilVideo = (n) => p.until('video', n);
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

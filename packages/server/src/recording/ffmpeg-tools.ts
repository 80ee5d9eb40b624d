import { type ChildProcess, spawn } from 'node:child_process';

/** Paths of the ffmpeg binaries the recorder and mixer run. */
export interface FfmpegPaths {
  ffmpeg: string;
  ffprobe: string;
}

/** What ffprobe says about a finished file. */
export interface ProbeResult {
  durationMs: number;
  size: number;
  streams: { type: string; codec: string; width?: number; height?: number; sampleRate?: number }[];
}

/** Runs a short command to completion; rejects with the tail of stderr on a non-zero exit. */
export function runTool(bin: string, args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${bin} exited ${code}: ${err.trim().slice(-600)}`));
    });
  });
}

/** Probes a media file: duration, size and its audio/video streams. */
export async function probe(paths: FfmpegPaths, file: string): Promise<ProbeResult> {
  const out = await runTool(paths.ffprobe, [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    file,
  ]);
  const j = JSON.parse(out) as {
    format?: { duration?: string; size?: string };
    streams?: {
      codec_type?: string;
      codec_name?: string;
      width?: number;
      height?: number;
      sample_rate?: string;
    }[];
  };
  return {
    durationMs: Math.round(Number(j.format?.duration ?? 0) * 1000),
    size: Number(j.format?.size ?? 0),
    streams: (j.streams ?? [])
      .filter((s) => s.codec_type === 'video' || s.codec_type === 'audio')
      .map((s) => ({
        type: s.codec_type as string,
        codec: s.codec_name ?? 'unknown',
        ...(s.width ? { width: s.width, height: s.height ?? 0 } : {}),
        ...(s.sample_rate ? { sampleRate: Number(s.sample_rate) } : {}),
      })),
  };
}

/** Codecs MP4 carries as they are; anything else is transcoded on finalize. */
const MP4_VIDEO = new Set(['h264', 'hevc']);
const MP4_AUDIO = new Set(['aac', 'mp3']);

/**
 * Remuxes the temporary FLV into an MP4 (`-c copy` for H.264/AAC, transcoding only a codec MP4 cannot
 * carry). `faststart` puts the index first so a browser can play while downloading.
 */
export async function remuxToMp4(paths: FfmpegPaths, input: string, output: string): Promise<void> {
  const src = await probe(paths, input);
  const v = src.streams.find((s) => s.type === 'video');
  const a = src.streams.find((s) => s.type === 'audio');
  if (!v && !a) throw new Error('the recording holds no media');
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-i', input];
  if (v) args.push('-map', '0:v:0', '-c:v', MP4_VIDEO.has(v.codec) ? 'copy' : 'libx264');
  if (v && !MP4_VIDEO.has(v.codec)) args.push('-preset', 'veryfast', '-pix_fmt', 'yuv420p');
  if (a) args.push('-map', '0:a:0', '-c:a', MP4_AUDIO.has(a.codec) ? 'copy' : 'aac');
  args.push('-movflags', '+faststart', '-f', 'mp4', output);
  await runTool(paths.ffmpeg, args, 600_000);
}

/**
 * Starts ffmpeg copying a live stream into an FLV file. FLV is written tag by tag (`flush_packets`),
 * so whatever reached the disk before a crash is a readable file that finalize can still remux.
 */
export function spawnRecorder(paths: FfmpegPaths, url: string, tempPath: string): ChildProcess {
  return spawn(
    paths.ffmpeg,
    [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'warning',
      '-rw_timeout',
      '15000000',
      '-i',
      url,
      '-map',
      '0',
      '-c',
      'copy',
      '-flush_packets',
      '1',
      '-f',
      'flv',
      '-y',
      tempPath,
    ],
    // Its own process group: a Ctrl-C to the server's terminal must not cut recordings short.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
}

/** True while a process with this pid exists (signal 0 probes without sending anything). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

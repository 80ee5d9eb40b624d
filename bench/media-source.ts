import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * A pre-encoded FLV for the media benchmarks: 640×360 at 25 fps with a 2 s GOP, ~936 kbps video and
 * 64 kbps AAC ≈ 1 Mbps, so publishers can push it with `-c copy` and cost little CPU.
 */
export function makeSource(work: string, seconds = 20): string {
  const file = join(work, `src-${seconds}s.flv`);
  const r = spawnSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-t', String(seconds)],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '936k', '-maxrate', '936k', '-bufsize', '936k'],
    ...['-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-pix_fmt', 'yuv420p'],
    ...['-c:a', 'aac', '-b:a', '64k', '-f', 'flv', file],
  ]);
  if (r.status !== 0) throw new Error(`ffmpeg could not make the source: ${r.stderr}`);
  return file;
}

/** A tile of the output picture, in output pixels (ZEGO's RectInfo: Left/Top/Right/Bottom). */
export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Output settings of a mix. */
export interface MixOutputSpec {
  width: number;
  height: number;
  fps: number;
  /** Video bitrate, bits per second (ZEGO's unit). */
  videoBitrate: number;
}

/**
 * An automatic grid for `n` inputs: the smallest near-square grid, tiles in reading order. Sizes are
 * rounded down to even numbers because yuv420p cannot hold odd widths.
 */
export function gridLayout(n: number, width: number, height: number): Rect[] {
  if (n <= 0) return [];
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const w = Math.floor(width / cols / 2) * 2;
  const h = Math.floor(height / rows / 2) * 2;
  return Array.from({ length: n }, (_, i) => {
    const left = (i % cols) * w;
    const top = Math.floor(i / cols) * h;
    return { left, top, right: left + w, bottom: top + h };
  });
}

const even = (v: number): number => Math.max(2, Math.floor(v / 2) * 2);

/** One input of a running ffmpeg: its tile and whether the process pulls it. */
export interface PlacedInput {
  rect: Rect;
  /** The pull URL, or null when the stream is not live (its tile stays black). */
  url: string | null;
}

/**
 * The ffmpeg arguments of one mix run (pure, so it is unit-tested without ffmpeg): a black canvas and
 * a silent track paced in real time are inputs 0 and 1, so the mix goes on when every input is gone;
 * each live input is scaled into its tile and overlaid with `eof_action=pass` (a stopped input leaves
 * its tile black), and audio is `amix` over the silence plus every input.
 */
export function mixArgs(inputs: PlacedInput[], out: MixOutputSpec, pushUrl: string): string[] {
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'warning'];
  args.push('-re', '-f', 'lavfi', '-i', `color=c=black:s=${out.width}x${out.height}:r=${out.fps}`);
  args.push('-re', '-f', 'lavfi', '-i', 'anullsrc=channel_layout=stereo:sample_rate=44100');
  const live = inputs.filter((i): i is { rect: Rect; url: string } => i.url !== null);
  // A publisher that vanishes leaves the gateway holding its stream (takeover grace); a read timeout
  // turns that silence into EOF for this input alone, so its tile goes black instead of stalling the mix.
  for (const i of live) args.push('-rw_timeout', '3000000', '-i', i.url);
  const f: string[] = [];
  let last = '[0:v]';
  live.forEach((inp, k) => {
    const idx = k + 2;
    const w = even(inp.rect.right - inp.rect.left);
    const h = even(inp.rect.bottom - inp.rect.top);
    f.push(
      `[${idx}:v]setpts=PTS-STARTPTS,scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,fps=${out.fps}[v${k}]`,
    );
    const next = k === live.length - 1 ? '[vout]' : `[o${k}]`;
    f.push(`${last}[v${k}]overlay=x=${inp.rect.left}:y=${inp.rect.top}:eof_action=pass:shortest=0${next}`);
    last = next;
  });
  if (live.length === 0) f.push('[0:v]null[vout]');
  const aIns = ['[1:a]'];
  live.forEach((_, k) => {
    f.push(`[${k + 2}:a]asetpts=PTS-STARTPTS,aresample=44100[a${k}]`);
    aIns.push(`[a${k}]`);
  });
  // duration=first: the silent track never ends, so neither does the mix.
  f.push(`${aIns.join('')}amix=inputs=${aIns.length}:duration=first:dropout_transition=0:normalize=0[aout]`);
  const gop = Math.max(1, Math.round(out.fps * 2));
  const kbps = Math.max(50, Math.round(out.videoBitrate / 1000));
  args.push('-filter_complex', f.join(';'), '-map', '[vout]', '-map', '[aout]');
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p');
  args.push('-g', String(gop), '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps * 2}k`);
  args.push('-c:a', 'aac', '-b:a', '64k', '-ar', '44100', '-f', 'flv', pushUrl);
  return args;
}

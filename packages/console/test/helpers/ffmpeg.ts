import { type ChildProcess, spawn } from 'node:child_process';

/** A running ffmpeg publisher. */
export interface Publisher {
  proc: ChildProcess;
  /** The last lines ffmpeg wrote to stderr (for failure messages). */
  stderr(): string;
  exited: Promise<number | null>;
  /** SIGKILLs it (if still running) and waits for the exit. */
  kill(): Promise<void>;
}

/** Publishes a 320x240 test pattern with a 440 Hz tone (H.264/AAC, 1 s GOP) in real time to `url`. */
export function publishTestPattern(url: string): Publisher {
  // biome-ignore format: one ffmpeg option per line pair is easier to read as a command line
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'warning',
    '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25',
    '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-f', 'flv', url,
  ];
  const proc = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-8192);
  });
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => resolve(code));
    proc.once('error', (e) => {
      err += String(e);
      resolve(-1);
    });
  });
  return {
    proc,
    stderr: () => err,
    exited,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

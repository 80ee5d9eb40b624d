import { type ChildProcess, spawn } from 'node:child_process';

/** A server process started for a test, ready once its log said so. */
export interface Daemon {
  proc: ChildProcess;
  /** Stops it (SIGKILL when `hard`, else `soft`, default SIGTERM) and resolves once it exited. */
  stop(hard?: boolean): Promise<void>;
}

/**
 * Spawns `cmd` and resolves once its stdout or stderr matched `ready`; rejects (with the end of its
 * output) if it exits or fails to start first.
 */
export async function spawnDaemon(
  cmd: string,
  args: string[],
  ready: RegExp,
  soft: NodeJS.Signals = 'SIGTERM',
): Promise<Daemon> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer): void => {
      out += b.toString();
      if (out.length > 64 * 1024) out = out.slice(-32 * 1024);
      if (ready.test(out)) resolve();
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`${cmd} exited (${code}): ${out.slice(-400)}`)));
  });
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  return {
    proc,
    async stop(hard = false) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(hard ? 'SIGKILL' : soft);
      await exited;
    },
  };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway `redis-server` for a test, listening on a unix socket in a temporary directory. */
export interface TestRedis {
  /** `unix:///path/redis.sock`: the form `state.redisUrl` takes for a unix socket. */
  url: string;
  /** The socket path. */
  socket: string;
  /** Stops the server (SIGKILL when `hard`) and removes its directory. */
  stop(hard?: boolean): Promise<void>;
}

function waitExit(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) resolve();
    else p.once('exit', () => resolve());
  });
}

/**
 * Starts `redis-server` (Debian package `redis-server`) with no persistence on a unix socket (no TCP
 * port, so parallel tests never collide) and resolves once it accepts connections.
 */
export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-redis-'));
  const socket = join(dir, 'redis.sock');
  const p = spawn(
    'redis-server',
    ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer): void => {
      out += b.toString();
      if (/ready to accept connections/i.test(out)) resolve();
    };
    p.stdout?.on('data', onData);
    p.stderr?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    p.once('error', reject);
    p.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out.slice(-400)}`)));
  });
  p.stdout?.resume();
  return {
    url: `unix://${socket}`,
    socket,
    async stop(hard = false) {
      if (p.exitCode === null && p.signalCode === null) p.kill(hard ? 'SIGKILL' : 'SIGTERM');
      await waitExit(p);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDaemon } from './daemon.js';

/** A throwaway `redis-server` for a test, listening on a unix socket in a temporary directory. */
export interface TestRedis {
  /** `unix:///path/redis.sock`: the form `state.redisUrl` takes for a unix socket. */
  url: string;
  /** The socket path. */
  socket: string;
  /** Stops the server (SIGKILL when `hard`) and removes its directory. */
  stop(hard?: boolean): Promise<void>;
}

/**
 * Starts `redis-server` (Debian package `redis-server`) with no persistence on a unix socket (no TCP
 * port, so parallel tests never collide) and resolves once it accepts connections.
 */
export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-redis-'));
  const socket = join(dir, 'redis.sock');
  const d = await spawnDaemon(
    'redis-server',
    ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', dir],
    /ready to accept connections/i,
  );
  return {
    url: `unix://${socket}`,
    socket,
    async stop(hard = false) {
      await d.stop(hard);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

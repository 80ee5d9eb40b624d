import { Redis, type RedisOptions } from 'ioredis';

/**
 * Opens an ioredis connection from `state.redisUrl`: `redis://[user:pass@]host:port[/db]`,
 * `rediss://…` (TLS), or `unix:///path/redis.sock`. `name` shows in `CLIENT LIST` (operators can see
 * which node holds which connection). Commands issued while the link is down queue briefly, then fail
 * (they never hang a request forever).
 */
export function connectRedis(url: string, name: string, extra: RedisOptions = {}): Redis {
  const base: RedisOptions = {
    connectionName: name.replace(/[^A-Za-z0-9._-]/g, '_'),
    maxRetriesPerRequest: 2,
    enableAutoPipelining: true,
    lazyConnect: false,
    ...extra,
  };
  if (url.startsWith('unix://')) return new Redis({ ...base, path: url.slice('unix://'.length) });
  if (url.startsWith('/')) return new Redis({ ...base, path: url });
  return new Redis(url, base);
}

/** A default node identity: `<hostname>-<pid>` (stable for the life of the process). */
export function defaultNodeId(hostname: string, pid: number): string {
  return `${hostname}-${pid}`.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
}

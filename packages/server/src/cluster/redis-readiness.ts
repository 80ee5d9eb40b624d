import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { ReadinessCheck } from '../http/readiness.js';
import { connectRedis } from './redis-connect.js';

/** Resolves when a connecting client is ready; rejects when that attempt fails. */
function connected(client: Redis): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      client.off('ready', onReady);
      client.off('error', done);
      client.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onReady = (): void => done();
    const onClose = (): void => done(new Error('redis link closed'));
    client.once('ready', onReady);
    client.once('error', done);
    client.once('close', onClose);
  });
}

/**
 * A readiness probe on an ioredis client: while it is connecting it waits for that attempt (within
 * the check's timeout); any other state than ready fails at once (a dead Redis must not hold `/readyz`
 * for the whole timeout); then `PING` must answer `PONG`.
 */
export function redisPing(client: Redis): ReadinessCheck {
  return async () => {
    if (client.status === 'connecting' || client.status === 'connect') await connected(client);
    if (client.status !== 'ready') throw new Error(`redis link ${client.status}`);
    const pong = await client.ping();
    if (pong !== 'PONG') throw new Error('unexpected PING answer');
  };
}

/** A Redis link opened only to answer `/readyz`, until the cluster code hands its own client over. */
export interface RedisProbe {
  check: ReadinessCheck;
  close(): Promise<void>;
}

/**
 * Opens a dedicated connection to `url` (named `<nodeId>-readyz` in `CLIENT LIST`) for the readiness
 * probe. No offline queue: while the link is down a `PING` fails at once instead of waiting for the
 * reconnection. Connection errors go to the log at debug level (ioredis keeps reconnecting; the
 * probe reports the state).
 */
export function openRedisProbe(url: string, nodeId: string, log: Logger): RedisProbe {
  const client = connectRedis(url, `${nodeId}-readyz`, { enableOfflineQueue: false });
  let lastError = '';
  client.on('error', (err: Error) => {
    // One line per distinct error, not one per reconnection attempt.
    if (err.message === lastError) return;
    lastError = err.message;
    log.warn({ err: err.message }, 'redis readiness link error');
  });
  client.on('ready', () => {
    lastError = '';
  });
  return {
    check: redisPing(client),
    async close() {
      client.disconnect();
    },
  };
}

import type { Redis } from 'ioredis';
import type { ReadinessCheck } from '../http/readiness.js';

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

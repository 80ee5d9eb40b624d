import { randomFillSync } from 'node:crypto';

/** Bytes drawn from the system's CSPRNG at a time. */
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafeSlow(POOL_SIZE);
let used = POOL_SIZE;

/**
 * `bytes` fresh random bytes from the CSPRNG, as base64url: session IDs and resume keys. Bytes are
 * taken from a pool refilled with `randomFillSync` when it runs out, each byte handed out once (as
 * Node does for `randomUUID`): a `randomBytes` call costs about 5 µs whatever its size, which was two
 * of them per login. At most {@link POOL_SIZE} bytes at a time.
 */
export function randomId(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes <= 0 || bytes > POOL_SIZE) throw new RangeError('randomId: bad size');
  if (used + bytes > POOL_SIZE) {
    randomFillSync(pool);
    used = 0;
  }
  const out = pool.toString('base64url', used, used + bytes);
  // Nothing drawn stays readable in the pool.
  pool.fill(0, used, used + bytes);
  used += bytes;
  return out;
}

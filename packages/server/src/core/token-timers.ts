import type { Membership } from './model.js';
import { setLongTimeout } from './timers.js';

/**
 * Arms a membership's token timers: `tokenWillExpire` `warnSeconds` before expiry (at once if that
 * moment has passed, e.g. a short token), and `onExpire` at expiry. Re-arming (renewToken) first
 * cancels the previous pair, so an old token can never kick a renewed session.
 */
export function armTokenTimers(m: Membership, warnSeconds: number, onExpire: (m: Membership) => void): void {
  m.clearTimers();
  const expireMs = m.token.expire * 1000;
  const warnAt = expireMs - warnSeconds * 1000;
  const now = Date.now();
  const warn = (): void => {
    m.willExpireTimer = null;
    m.session.push({ type: 'tokenWillExpire', roomID: m.room.roomID, expireAt: m.token.expire });
  };
  if (warnAt <= now) warn();
  else m.willExpireTimer = setLongTimeout(warn, warnAt - now);
  m.expireTimer = setLongTimeout(
    () => {
      m.expireTimer = null;
      onExpire(m);
    },
    Math.max(0, expireMs - now),
  );
}

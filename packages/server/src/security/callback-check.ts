import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import { forbiddenUrl } from './ssrf-guard.js';

/**
 * Refuses a callback URL whose host, as written, is a loopback, private, link-local, CGNAT,
 * multicast or metadata address (names are checked again after DNS at every delivery), unless the
 * operator allows private destinations. `''`/undefined (clearing it) always passes.
 */
export function checkCallbackDestination(url: string | undefined, allowPrivate = false): void {
  if (!url || allowPrivate) return;
  const bad = forbiddenUrl(url);
  if (bad) {
    throw new MiniRtcError(ErrorCode.WEBHOOK_DESTINATION_FORBIDDEN, undefined, { category: bad });
  }
}

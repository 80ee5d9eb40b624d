import type { StreamGrant } from '@minirtc/protocol/crypto';

/** Session IDs of server-side publishers (mix outputs) start with this; client session IDs never do. */
export const SERVICE_SESSION_PREFIX = 'service.';

/** The userID a mix output is published as: `~` is outside ZEGO's userID characters, so no client has it. */
export const MIX_USER_ID = '~mix';

/** True for a push grant the server issued for one of its own publishers. */
export function isServiceGrant(g: StreamGrant): boolean {
  return g.action === 'push' && g.userID === MIX_USER_ID && g.sessionID.startsWith(SERVICE_SESSION_PREFIX);
}

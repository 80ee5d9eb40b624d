import type { ClientMessage, ClientMessageOf, ClientMessageType } from '@minirtc/protocol';
import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import type { AppStore } from '../../app-store.js';
import type { Emit } from '../../events.js';
import type { Logger } from '../../logger.js';
import type { Membership } from '../../core/model.js';
import type { LoginGuard } from '../../security/login-guard.js';
import type { Session, Transport } from '../../core/model.js';
import type { Signaling } from '../../core/signaling.js';
import type { StreamUrlSigner } from '../../core/stream-urls.js';

/** What every request handler can reach. */
export interface HandlerContext {
  core: Signaling;
  apps: AppStore;
  signer: StreamUrlSigner;
  emit: Emit;
  log: Logger;
  /** Sent to clients in the login reply. */
  heartbeatMs: number;
  resumeGraceMs: number;
  /** Reports an unexpected failure as the server's `error` event (when someone listens). */
  emitError?: (err: Error) => void;
  /** Failed-login budgets (absent: unlimited, as in unit tests). */
  loginGuard?: LoginGuard;
  /** Issues the `/httplog` credential put into login replies. */
  logCredential?: (appID: number, userID: string) => string;
  /**
   * In a cluster: brings what a request needs from the shared state (the room's replica, another
   * node's session of the same user, a streamID claim) before its handler runs. Returns null when
   * nothing is needed (every request on one node). Requests of one connection stay in order.
   */
  prepare?: (msg: ClientMessage, caller: Caller) => Promise<void> | null;
}

/** The connection a request came in on, as handlers see it. */
export interface Caller extends Transport {
  /** The session bound to this connection, null before the first login (or after the last logout). */
  session: Session | null;
  /** Source address (IP) the connection comes from, for per-address budgets. */
  readonly address?: string;
  /**
   * A broadcast messageID drawn from the shared state by the cluster's preparation of the request
   * about to run (IDs stay one sequence per room across nodes); consumed by that request.
   */
  preparedBroadcastID?: number;
}

/**
 * What a handler returns: `data` for the `res`, and `after`, run once the `res` is sent, for pushes
 * that must follow the reply (a resume's replay, a token warning right after login).
 */
export interface Outcome {
  data?: unknown;
  after?: () => void;
}

/** A request handler: throws {@link MiniRtcError} to answer with an error code. */
export type Handler<K extends ClientMessageType> = (
  ctx: HandlerContext,
  caller: Caller,
  msg: ClientMessageOf<K>,
) => Outcome | undefined;

/** The caller's session, or 1000002 when it has not logged in. */
export function requireSession(caller: Caller): Session {
  if (!caller.session) throw new MiniRtcError(ErrorCode.NOT_LOGGED_IN);
  return caller.session;
}

/** The caller's membership in `roomID`, or 1000002. */
export function requireMember(caller: Caller, roomID: string): Membership {
  const m = caller.session?.rooms.get(roomID);
  if (!m) throw new MiniRtcError(ErrorCode.NOT_LOGGED_IN, `not logged in to room ${roomID}`);
  return m;
}

import { RemoteSession, type Session } from '../core/model.js';
import type { MediaPlacement } from '../core/placement-port.js';
import type { StreamReservation } from '../core/stream-registry.js';

/**
 * Which node holds what, for the operator's lists (`node` of users and streams in the REST API and
 * the console). The one place that answers it, so a cluster (or media placement) can answer
 * differently without touching the lists.
 */
export interface NodeLocator {
  /** The node holding a session's WebSocket (or its grace window). */
  session(s: Session): string;
  /** The node holding a stream; `publisher` is its publisher's session when it is in the room. */
  stream(r: StreamReservation, publisher: Session | undefined): string;
  /** The media node holding a stream's media, by id, when media nodes are placed; else null. */
  mediaNode(appID: number, streamID: string): string | null;
}

/**
 * Sessions of this node are on `nodeId`; a member another node of a cluster holds (a
 * {@link RemoteSession} in this node's replica of the room) is on that node; a stream is where its
 * publisher's session is, and its media on the node `placement` put it on (several media nodes).
 */
export function localNodeLocator(nodeId: string, placement?: MediaPlacement): NodeLocator {
  const of = (s: Session | undefined): string => (s instanceof RemoteSession ? s.node : nodeId);
  return {
    session: of,
    stream: (_r, publisher) => of(publisher),
    mediaNode: (appID, streamID) => placement?.nodeOf?.(appID, streamID) ?? null,
  };
}

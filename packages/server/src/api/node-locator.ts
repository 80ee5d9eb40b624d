/**
 * Which node holds what, for the operator's lists (`node` of users and streams in the REST API and
 * the console). The one place that answers it: single-node, everything is on this node; with shared
 * state the cluster code hands the server a locator that reads the owner from there.
 */
export interface NodeLocator {
  /** The node holding a user's signaling session (its WebSocket, or its grace window). */
  session(appID: number, userID: string): string;
  /** The node holding a stream: its publisher's session, or the media node it was placed on. */
  stream(appID: number, streamID: string, publisherID: string): string;
}

/** Everything is on `nodeId` (in-memory state, one node). */
export function localNodeLocator(nodeId: string): NodeLocator {
  return { session: () => nodeId, stream: () => nodeId };
}

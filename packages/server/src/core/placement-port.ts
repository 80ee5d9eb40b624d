/**
 * The core's port to a media placement service: which media node a stream's push and play URLs point
 * at when several gateways share the load. Synchronous on purpose: the URL is built on the request's
 * hot path, so an implementation answers from an in-memory view (refreshed from wherever the nodes
 * register, e.g. Redis) and never waits on I/O here.
 * @packageDocumentation
 */

/** The URL bases of one media node (`rtmp://host:1935/live`, `http://host:8081/live`). */
export interface NodeBases {
  rtmp: string;
  flv: string;
}

/**
 * Chooses media nodes for streams. Either method returning undefined means "no opinion": the server's
 * default bases (`mediaRtmpBase`/`mediaFlvBase`) are used, as with one embedded gateway.
 */
export interface MediaPlacement {
  /**
   * Where `streamID` of `roomID` is to be pushed. A stream already live on a node stays there; a new
   * one goes to the least loaded node that takes placements (near its room's other streams). Throws a
   * MiniRtcError when nodes are registered but none can take it (all draining or gone).
   */
  placePush(appID: number, roomID: string, streamID: string): NodeBases | undefined;
  /** The node that holds (or was just given) `streamID`, for play URLs. */
  locate(appID: number, streamID: string): NodeBases | undefined;
}

/**
 * Where a new stream goes when several media nodes run: a pure function of the nodes' reported load,
 * so it is unit-tested without Redis and the same on every signaling node.
 * @packageDocumentation
 */

/** One media node as placement sees it. */
export interface PlacementNode {
  id: string;
  /** Published streams the node reported at its last heartbeat. */
  streams: number;
  /** Players (RTMP + HTTP-FLV) the node reported at its last heartbeat. */
  players: number;
  /** Streams placed on it since, not yet reported live (so a burst does not all land on one node). */
  pending: number;
  /** Takes no new placements (`minirtc media --drain`, SIGUSR2). */
  draining: boolean;
  /** Heartbeat expired: the node is presumed dead. */
  gone: boolean;
}

/** Tuning of {@link placeStream}. */
export interface PlacementOptions {
  /**
   * How much more loaded than the least loaded node a node may be and still get a room's next stream
   * (keeping a room together saves relays and keeps its streams failing together); default 100.
   */
  roomSlack: number;
}

/** Default {@link PlacementOptions}. */
export const DEFAULT_PLACEMENT: PlacementOptions = { roomSlack: 100 };

/**
 * A node's load: media sessions it carries. A publisher counts like a player (each is one inbound or
 * outbound copy of a stream), a pending placement like a publisher.
 */
export function nodeLoad(n: PlacementNode): number {
  return n.streams + n.pending + n.players;
}

/**
 * Picks the node for a new stream of a room: among nodes that are neither draining nor gone, the one
 * holding most of the room's streams when its load is within `roomSlack` of the least loaded node,
 * else the least loaded one (ties: the smaller id, so every signaling node agrees). `roomNodes`
 * counts the room's streams per node id. Undefined when no node can take it.
 */
export function placeStream(
  nodes: readonly PlacementNode[],
  roomNodes: ReadonlyMap<string, number>,
  opts: PlacementOptions = DEFAULT_PLACEMENT,
): PlacementNode | undefined {
  const open = nodes.filter((n) => !n.draining && !n.gone);
  if (open.length === 0) return undefined;
  const byLoad = [...open].sort((a, b) => nodeLoad(a) - nodeLoad(b) || (a.id < b.id ? -1 : 1));
  const least = byLoad[0] as PlacementNode;
  let best: PlacementNode | undefined;
  let bestCount = 0;
  for (const n of byLoad) {
    const count = roomNodes.get(n.id) ?? 0;
    if (count > bestCount && nodeLoad(n) - nodeLoad(least) <= opts.roomSlack) {
      best = n;
      bestCount = count;
    }
  }
  return best ?? least;
}

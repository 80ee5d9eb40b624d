/**
 * The Redis layout of the media-node registry, in one place (both sides read it: `minirtc media`
 * writes, signaling reads and places). Everything lives under `minirtc:media:`.
 *
 * - `minirtc:media:nodes` zset: node id → last heartbeat (ms since epoch)
 * - `minirtc:media:node:<id>` hash: rtmpBase, flvBase, streams, players, draining, startedAt (TTL:
 *   a few heartbeats)
 * - `minirtc:media:node:<id>:streams` hash: `<appID>:<streamID>` → roomID, the streams live on it
 *   (outlives the node: the reaper reads it after the node died)
 * - `minirtc:media:stream:<appID>:<streamID>` string: id of the node the stream is placed on or
 *   live on (a placement expires unless the stream goes live)
 * - `minirtc:media:reap:<id>` string: the lock of the one signaling node ending a dead node's streams
 * - `minirtc:media:events` channel: {@link MediaRegistryEvent}s, so views update between heartbeats
 * @packageDocumentation
 */

/** Key names of the registry. */
export const mediaKeys = {
  nodes: 'minirtc:media:nodes',
  node: (id: string): string => `minirtc:media:node:${id}`,
  nodeStreams: (id: string): string => `minirtc:media:node:${id}:streams`,
  stream: (appID: number, streamID: string): string => `minirtc:media:stream:${appID}:${streamID}`,
  reap: (id: string): string => `minirtc:media:reap:${id}`,
  events: 'minirtc:media:events',
} as const;

/** A stream as a node's stream hash names it: `<appID>:<streamID>` (appIDs are digits). */
export function streamField(appID: number, streamID: string): string {
  return `${appID}:${streamID}`;
}

/** The inverse of {@link streamField}; undefined for anything malformed. */
export function parseStreamField(f: string): { appID: number; streamID: string } | undefined {
  const m = /^(\d{1,10}):(.+)$/s.exec(f);
  return m ? { appID: Number(m[1]), streamID: m[2] as string } : undefined;
}

/**
 * What goes over `minirtc:media:events`: a stream placed (by a signaling node), live or gone (by the
 * media node), or a node that changed state (drain, leave) so views refresh now.
 */
export type MediaRegistryEvent =
  | { kind: 'placed' | 'live' | 'gone'; node: string; appID: number; streamID: string; roomID: string }
  | { kind: 'node'; node: string };

/** Parses an event from the channel; undefined if it is not one (the channel is not trusted blindly). */
export function parseRegistryEvent(raw: string): MediaRegistryEvent | undefined {
  let o: unknown;
  try {
    o = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null) return undefined;
  const e = o as Record<string, unknown>;
  if (typeof e.node !== 'string') return undefined;
  if (e.kind === 'node') return { kind: 'node', node: e.node };
  if (
    (e.kind === 'placed' || e.kind === 'live' || e.kind === 'gone') &&
    typeof e.appID === 'number' &&
    typeof e.streamID === 'string' &&
    typeof e.roomID === 'string'
  ) {
    return { kind: e.kind, node: e.node, appID: e.appID, streamID: e.streamID, roomID: e.roomID };
  }
  return undefined;
}

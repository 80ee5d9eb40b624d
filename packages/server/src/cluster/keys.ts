/**
 * Redis key and channel names of the signaling cluster, in one place. A room's keys share the hash
 * tag `{appID:roomID}` so a Redis Cluster keeps them in one slot (its MULTI blocks stay in one slot
 * except the per-node membership index, see docs/scaling.md).
 * @packageDocumentation
 */

const P = 'minirtc:sig';

/** The keys and channels of one room. */
export interface RoomKeys {
  /** Hash: `max` (capacity), `createdAt`. */
  meta: string;
  /** Hash userID → {@link MemberEntry} JSON. */
  members: string;
  /** Hash streamID → reservation JSON. */
  streams: string;
  /** Hash key → room extra info item JSON. */
  extra: string;
  /** Pub/sub channel of the room's transitions. */
  channel: string;
}

/** Keys of a room. */
export function roomKeys(appID: number, roomID: string): RoomKeys {
  const base = `${P}:room:{${appID}:${roomID}}`;
  return {
    meta: `${base}:meta`,
    members: `${base}:members`,
    streams: `${base}:streams`,
    extra: `${base}:extra`,
    channel: `${base}:ev`,
  };
}

/** Heartbeat of a signaling node (expires when the node stops refreshing it). */
export const nodeKey = (id: string): string => `${P}:node:${id}`;
/** Sorted set of known signaling nodes (score: first seen). */
export const NODES = `${P}:nodes`;
/** Set of the memberships a node holds ({@link memberTag}), for reaping a dead node. */
export const nodeMembersKey = (id: string): string => `${P}:node:${id}:members`;
/** Pub/sub channel of commands to one node (kick a session) and their answers. */
export const nodeChannel = (id: string): string => `${P}:node:${id}:cmd`;
/** Lock taken by the node that reaps a dead one. */
export const reapKey = (id: string): string => `${P}:reap:${id}`;
/** Sorted set of memberships of dead nodes (score: end of their grace window). */
export const ORPHANS = `${P}:orphans`;
/** Owner of a streamID (unique per AppID across rooms): `{ roomID, userID }` JSON. */
export const streamKey = (appID: number, streamID: string): string => `${P}:stream:{${appID}}:${streamID}`;
/** A user's current session: hash `sid`, `node`, `att` (1 attached, 0 in its grace window). */
export const userKey = (appID: number, userID: string): string => `${P}:user:{${appID}}:${userID}`;

/** A membership as an index entry: `[appID, roomID, userID, sessionID]` JSON. */
export function memberTag(appID: number, roomID: string, userID: string, sessionID: string): string {
  return JSON.stringify([appID, roomID, userID, sessionID]);
}

/** Parses a {@link memberTag}; null when it is not one. */
export function parseMemberTag(
  tag: string,
): { appID: number; roomID: string; userID: string; sessionID: string } | null {
  try {
    const v = JSON.parse(tag) as unknown;
    if (!Array.isArray(v) || v.length !== 4) return null;
    const [appID, roomID, userID, sessionID] = v as unknown[];
    if (typeof appID !== 'number' || typeof roomID !== 'string') return null;
    if (typeof userID !== 'string' || typeof sessionID !== 'string') return null;
    return { appID, roomID, userID, sessionID };
  } catch {
    return null;
  }
}

/** A member as the shared roster holds it. */
export interface MemberEntry {
  /** userName */
  n: string;
  /** sessionID */
  sid: string;
  /** node holding the session */
  node: string;
  /** wants userUpdate pushes */
  uu: boolean;
}

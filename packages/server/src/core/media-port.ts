import type { StreamGrant } from '@minirtc/protocol/crypto';

/**
 * The core's port to media: what a gateway may ask of signaling ({@link MediaBridge}) and what
 * signaling may tell a gateway ({@link MediaController}). It imports nothing of the core's classes, so
 * the core and its bridge depend on it and not on each other.
 * @packageDocumentation
 */

/** How signaling tells a media gateway to drop media whose grant is gone. */
export interface MediaController {
  dropStream(appID: number, streamID: string, reason: string): void;
  dropUser(appID: number, userID: string, reason: string): void;
}

/** Outcome of {@link MediaBridge.authorize}. */
export type AuthorizeResult =
  | { ok: true; grant: StreamGrant; owner: string }
  | { ok: false; code: number; message: string };

/**
 * The seam between signaling and a media gateway (the embedded RTMP one or an external one through
 * hooks). The gateway verifies grants here and reports media; signaling revokes media through the
 * controller the gateway attaches.
 */
export interface MediaBridge {
  /**
   * Called on publish/play with the stream name and the URL query. Verifies the signature and that the
   * grant is still current: the session exists (attached or in grace), its user is in the grant's room,
   * for push the streamID is reserved by that user, for play the stream is reserved in that room.
   */
  authorize(kind: 'publish' | 'play', streamID: string, query: Record<string, string>): AuthorizeResult;
  /** Media is live: `streamUpdate ADD` to the others in the room, `mediaUpdate live` to the publisher. */
  streamLive(appID: number, streamID: string): void;
  /** Media is gone: `streamUpdate DELETE` if it was live. */
  streamGone(appID: number, streamID: string, reason: string): void;
  /**
   * In a cluster: fetches the shared state `authorize`/`streamLive` need (the grant's room) first.
   * Absent on one node, where everything is at hand.
   */
  prepare?(streamID: string, query: Record<string, string>): Promise<void>;
  /** Registers how to drop media when signaling revokes it (stopPublish, logout, kick, grace over, closeRoom). */
  attachController(c: MediaController): void;
}

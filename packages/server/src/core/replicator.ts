import type { PushBody, WireRoomExtraInfo } from '@minirtc/protocol';
import type { Membership, Room, Session } from './model.js';
import type { StreamReservation } from './stream-registry.js';

/**
 * What the {@link Signaling} core tells a cluster about each transition it makes on its own (not
 * the ones it applies for another node): the cluster writes it to the shared state and sends it to
 * every node holding a replica of the room, which applies it with {@link Signaling.applyRemote}.
 * Called synchronously, right after the local state changed and the local members were told.
 */
export interface Replicator {
  /** A member joined (a new user in the room). */
  joined(room: Room, m: Membership): void;
  /**
   * A member left; its streams were released first. The replicator, not the core, reports
   * `roomClosed` when the room's shared roster is empty (two last members leaving on two nodes at
   * once each see the other still there).
   */
  left(room: Room, m: Membership, reason: string): void;
  /** A session took a room over from an older one of the same user, silently. */
  moved(room: Room, m: Membership, from: Session): void;
  /** A stream was reserved, or its reservation renewed by the same user. */
  reserved(r: StreamReservation): void;
  /** A reservation ended. */
  released(r: StreamReservation, reason: string): void;
  /** A reserved stream has media (`live`) or lost it. */
  streamState(r: StreamReservation, live: boolean, reason: string): void;
  /** A stream's extra info changed. */
  streamExtra(r: StreamReservation): void;
  /** A room extra info key changed. */
  roomExtra(room: Room, item: WireRoomExtraInfo): void;
  /**
   * A message for other members (broadcast, barrage, custom command): `to` lists the receivers
   * (custom commands), null means everyone but `exceptUserID`.
   */
  message(room: Room, body: PushBody, exceptUserID: string, to: string[] | null): void;
  /** Asks the node holding a remote member's socket to kick it out of the room. */
  kickRemote(m: Membership, code: number, reason: string): void;
  /** One of this node's sessions got a socket, lost it (grace window), or ended. */
  sessionState(s: Session, state: 'attached' | 'detached' | 'ended'): void;
}

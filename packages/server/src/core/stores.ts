import type { Room, RoomLimits, Session } from './model.js';
import { RoomRegistry } from './room-registry.js';
import { SessionRegistry } from './session-registry.js';
import { type StreamReservation, StreamRegistry } from './stream-registry.js';

/**
 * Where the signaling core keeps its state, behind small interfaces: the in-memory registries
 * implement them today, and a shared store (Redis) can implement them later without touching a
 * handler. Everyone outside the core gets the read-only half; only the core holds the writers, so
 * every state change goes through a core method.
 * @packageDocumentation
 */

/** Reading rooms. */
export interface RoomReader {
  get(appID: number, roomID: string): Room | undefined;
  list(appID?: number): Room[];
}

/** Rooms, as the core changes them. */
export interface RoomStore extends RoomReader {
  create(appID: number, roomID: string, maxMembers: number): Room;
  delete(appID: number, roomID: string): boolean;
}

/** Reading sessions. */
export interface SessionReader {
  get(id: string): Session | undefined;
  byUser(appID: number, userID: string): Session | undefined;
  lingeringOf(appID: number, userID: string): Session[];
  all(): Session[];
  readonly size: number;
}

/** Sessions, as the core changes them. */
export interface SessionStore extends SessionReader {
  add(s: Session): void;
  alias(old: Session, next: Session): void;
  linger(s: Session): void;
  delete(s: Session): void;
}

/** Reading stream reservations (unique per AppID). */
export interface StreamReader {
  get(appID: number, streamID: string): StreamReservation | undefined;
  ofUser(appID: number, userID: string): StreamReservation[];
  readonly size: number;
}

/** Stream reservations, as the core changes them. */
export interface StreamStore extends StreamReader {
  set(r: StreamReservation): void;
  delete(appID: number, streamID: string): boolean;
}

/** Every store of the core. */
export interface CoreStores {
  rooms: RoomStore;
  sessions: SessionStore;
  streams: StreamStore;
}

/** The in-memory stores (one process; state is lost on restart). */
export function memoryStores(limits: RoomLimits): CoreStores {
  return { rooms: new RoomRegistry(limits), sessions: new SessionRegistry(), streams: new StreamRegistry() };
}

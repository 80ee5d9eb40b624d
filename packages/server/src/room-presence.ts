import type { Room } from './room.js';

/** How a room tells its members who is there (resolved from {@link ServerOptions}). */
export interface PresenceConfig {
  /**
   * Smallest gap between two `onlineCount` pushes to a room. The first change after a quiet period is
   * pushed at once; changes within the gap are coalesced into one push of the count at its end.
   * 0 pushes every change (each login then costs O(room size), so a room's cost grows with its square).
   */
  onlineCountIntervalMs: number;
  /**
   * Above this many members, `userUpdate` ADD/DELETE pushes stop (ZEGO: 500): members of a large room
   * learn the count, not each arrival. The login snapshot still lists the users.
   */
  userUpdateMaxMembers: number;
}

/** Defaults: a count at most once a second, per-user updates up to 500 members (as ZEGO). */
export const DEFAULT_PRESENCE: PresenceConfig = { onlineCountIntervalMs: 1000, userUpdateMaxMembers: 500 };

interface CountState {
  lastAt: number;
  lastCount: number;
  timer: NodeJS.Timeout | null;
}

/**
 * Coalesces a room's `onlineCount` pushes: at most one per `onlineCountIntervalMs` per room, always
 * ending on the current count. Holds one small record per room with a recent change.
 */
export class OnlineCountPusher {
  readonly #rooms = new Map<Room, CountState>();

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The room's membership changed. `exceptUserID` (a joiner, whose login reply carries the count)
   * is skipped when the count goes out at once.
   */
  changed(room: Room, exceptUserID: string | null): void {
    if (room.members.size === 0) {
      this.forget(room);
      return;
    }
    const count = room.members.size;
    // Nobody to tell (a room's first member): nothing goes out, so nothing starts the interval.
    if (count === 1 && exceptUserID !== null && room.members.has(exceptUserID)) return;
    if (this.intervalMs <= 0) {
      room.pushToOthers(exceptUserID, { type: 'onlineCount', roomID: room.roomID, count });
      return;
    }
    let st = this.#rooms.get(room);
    const t = this.now();
    if (!st) {
      st = { lastAt: Number.NEGATIVE_INFINITY, lastCount: -1, timer: null };
      this.#rooms.set(room, st);
    }
    if (st.timer) return; // a coalesced push is already due
    const wait = st.lastAt + this.intervalMs - t;
    if (wait <= 0) {
      st.lastAt = t;
      st.lastCount = count;
      room.pushToOthers(exceptUserID, { type: 'onlineCount', roomID: room.roomID, count });
      return;
    }
    const state = st;
    // Not unref'd: the room's last leave (also at shutdown) clears it through forget().
    st.timer = setTimeout(() => this.#flush(room, state), wait);
  }

  /** The room closed: drop its record and any pending push. */
  forget(room: Room): void {
    const st = this.#rooms.get(room);
    if (st?.timer) clearTimeout(st.timer);
    this.#rooms.delete(room);
  }

  /** Rooms with a record (for tests: records must not outlive their rooms). */
  get tracked(): number {
    return this.#rooms.size;
  }

  #flush(room: Room, st: CountState): void {
    st.timer = null;
    const count = room.members.size;
    if (count === 0) {
      this.forget(room);
      return;
    }
    if (count === st.lastCount) return;
    st.lastAt = this.now();
    st.lastCount = count;
    room.pushToOthers(null, { type: 'onlineCount', roomID: room.roomID, count });
  }
}

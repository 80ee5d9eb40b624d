import type { RoomSnapshot, WireRoomExtraInfo, WireStream, WireUser } from '@minirtc/protocol/lite';

/**
 * What the SDK knows of one room: the other users, the live streams of others, extra info. Kept so a
 * full re-login after a long outage can be turned into ADD/DELETE events (the app saw the old state
 * and must be brought to the new one without a reset it would not expect).
 */
export class RoomState {
  /** Other users by userID (never oneself). */
  readonly users = new Map<string, WireUser>();
  /** Live streams of others by streamID (never one's own). */
  readonly streams = new Map<string, WireStream>();
  /** Room extra info by key. */
  readonly extraInfo = new Map<string, WireRoomExtraInfo>();
  roomSeq = 0;
  onlineCount = 0;
  /**
   * Whether the server sent the member list: it does only for a login with `userUpdate` into a room
   * of at most the per-user update size, so a snapshot without it says nothing of who left or came.
   */
  usersKnown = false;

  constructor(
    readonly roomID: string,
    readonly selfUserID: string,
  ) {}

  /** Replaces everything with a server snapshot (filtering oneself defensively). */
  load(s: RoomSnapshot): void {
    this.users.clear();
    this.streams.clear();
    this.extraInfo.clear();
    this.usersKnown = Array.isArray(s.users);
    for (const u of s.users ?? []) if (u && u.userID !== this.selfUserID) this.users.set(u.userID, u);
    for (const st of s.streams ?? [])
      if (st && st.user?.userID !== this.selfUserID) this.streams.set(st.streamID, st);
    for (const e of s.extraInfo ?? []) if (e) this.extraInfo.set(e.key, e);
    this.roomSeq = s.roomSeq ?? 0;
    this.onlineCount = s.onlineCount ?? 0;
  }

  /** Applies a user push; returns the users that really changed (so duplicates emit nothing). */
  applyUsers(type: 'ADD' | 'DELETE', users: readonly WireUser[]): WireUser[] {
    const changed: WireUser[] = [];
    for (const u of users) {
      if (!u || u.userID === this.selfUserID) continue;
      if (type === 'ADD') {
        if (!this.users.has(u.userID)) changed.push(u);
        this.users.set(u.userID, u);
      } else if (this.users.delete(u.userID)) changed.push(u);
    }
    return changed;
  }

  /** Applies a stream push; returns the streams that really changed. */
  applyStreams(type: 'ADD' | 'DELETE', streams: readonly WireStream[]): WireStream[] {
    const changed: WireStream[] = [];
    for (const s of streams) {
      if (!s || s.user?.userID === this.selfUserID) continue;
      if (type === 'ADD') {
        if (!this.streams.has(s.streamID)) changed.push(s);
        this.streams.set(s.streamID, s);
      } else {
        const old = this.streams.get(s.streamID);
        if (old && this.streams.delete(s.streamID)) changed.push(old);
      }
    }
    return changed;
  }
}

/** The events that bring an app from one snapshot to another. */
export interface SnapshotDiff {
  usersAdded: WireUser[];
  usersRemoved: WireUser[];
  streamsAdded: WireStream[];
  streamsRemoved: WireStream[];
  /** Extra info items that are new or have a new value / update time. */
  extraInfoChanged: WireRoomExtraInfo[];
}

/**
 * Difference between what the app saw (`before`) and the server's new truth (`after`). A stream whose
 * URL or owner changed (same ID, re-published by someone else) counts as removed and added, because
 * the app must stop playing the old one.
 */
export function diffSnapshots(before: RoomState, after: RoomState): SnapshotDiff {
  const d: SnapshotDiff = {
    usersAdded: [],
    usersRemoved: [],
    streamsAdded: [],
    streamsRemoved: [],
    extraInfoChanged: [],
  };
  // Without the member list (a big room, or no userUpdate) nobody can be said to have left or come.
  if (after.usersKnown) {
    for (const [id, u] of after.users) if (!before.users.has(id)) d.usersAdded.push(u);
    for (const [id, u] of before.users) if (!after.users.has(id)) d.usersRemoved.push(u);
  }
  for (const [id, s] of after.streams) {
    const old = before.streams.get(id);
    if (!old) d.streamsAdded.push(s);
    else if (old.user?.userID !== s.user?.userID) {
      d.streamsRemoved.push(old);
      d.streamsAdded.push(s);
    }
  }
  for (const [id, s] of before.streams) if (!after.streams.has(id)) d.streamsRemoved.push(s);
  for (const [k, e] of after.extraInfo) {
    const old = before.extraInfo.get(k);
    if (!old || old.value !== e.value || old.updateTime !== e.updateTime) d.extraInfoChanged.push(e);
  }
  return d;
}

import { CloseCode, ErrorCode, errorMessage } from '@minirtc/protocol';
import type { PushBody, WireRoomExtraInfo } from '@minirtc/protocol';
import type { Token04Info } from '@minirtc/protocol/crypto';
import { RemoteSession, type Room, type Session } from '../core/model.js';
import type { Signaling } from '../core/signaling.js';
import type { StreamReservation } from '../core/stream-registry.js';
import type { MemberEntry } from './keys.js';

/**
 * The transitions nodes send each other on a room's channel, and how a node applies another's to
 * its replica of the room (through the core, inside {@link Signaling.applyRemote}: local members are
 * told, nothing is re-announced). Applying is idempotent: a transition already in the replica (seen
 * in the snapshot it was loaded from) changes nothing.
 * @packageDocumentation
 */

/** One transition, as sent on a room's channel (`o`: the node it comes from). */
export type RoomEvent =
  | ({ t: 'join'; o: string; uid: string; max: number } & MemberEntry)
  | { t: 'leave'; o: string; uid: string; sid: string; why: string }
  | ({ t: 'moved'; o: string; uid: string; from: string } & MemberEntry)
  | { t: 'reserve'; o: string; r: StreamReservation }
  | { t: 'release'; o: string; s: string; why: string }
  | { t: 'state'; o: string; s: string; live: boolean; why: string }
  | { t: 'sextra'; o: string; s: string; x: string }
  | { t: 'rextra'; o: string; item: WireRoomExtraInfo }
  | { t: 'msg'; o: string; ex: string; to: string[] | null; body: PushBody };

/** Token stand-in of a remote membership: its node holds the real one and its timers. */
function remoteToken(appID: number, userID: string): Token04Info {
  return {
    app_id: appID,
    user_id: userID,
    nonce: 0,
    ctime: 0,
    expire: 0,
    payload: '',
    mode: 'gcm',
    permissions: null,
  };
}

/** The replica's session object for another node's session (one per session ID, shared by rooms). */
function remoteSession(core: Signaling, appID: number, userID: string, e: MemberEntry): RemoteSession {
  const known = core.findSession(e.sid);
  if (known instanceof RemoteSession) {
    known.node = e.node;
    return known;
  }
  const s = new RemoteSession(appID, userID, e.n, e.sid, e.node);
  core.addRemoteSession(s);
  return s;
}

/** Adds (or moves) a remote member in a replica, telling local members only of a new user. */
export function applyMember(core: Signaling, room: Room, userID: string, e: MemberEntry): void {
  const cur = room.members.get(userID);
  if (cur?.session.id === e.sid) return;
  const next = remoteSession(core, room.appID, userID, e);
  if (cur) {
    const old: Session = cur.session;
    const t = old.remote ? null : old.transport;
    core.adopt(old, next, room.roomID, remoteToken(room.appID, userID), e.uu);
    // Our own session lost its last room to another node's: its socket has nothing left to serve.
    if (t && old.ended) {
      old.transport = null;
      t.close(CloseCode.KICKED, errorMessage(ErrorCode.KICKED_SAME_USER));
    }
    return;
  }
  // A move of a member this replica never saw (it joined before we subscribed): a join here.
  core.join(room, next, remoteToken(room.appID, userID), e.uu);
}

/** Applies a stream reservation (new, renewed, live or not) to a replica. */
export function applyReservation(core: Signaling, room: Room, r: StreamReservation): void {
  const have = core.streams.get(r.appID, r.streamID);
  const m = room.members.get(r.userID);
  if (!have || have.roomID !== room.roomID) {
    if (have) return; // held in another room here: the shared claim decides, not the replica
    if (m) core.reserveStream(m, r.streamID, r.extraInfo);
    else core.reserveServiceStream({ ...r, live: false });
  } else if (have.extraInfo !== r.extraInfo) {
    have.extraInfo = r.extraInfo;
  }
  const now = core.streams.get(r.appID, r.streamID);
  if (!now) return;
  if (r.live && !now.live) core.streamLive(r.appID, r.streamID);
  else if (!r.live && now.live) core.streamGone(r.appID, r.streamID, 'stopped');
}

/**
 * Applies another node's transition to this node's replica of the room (`room` null: the replica
 * holds nobody yet, a join creates it).
 */
export function applyRoomEvent(core: Signaling, appID: number, roomID: string, ev: RoomEvent): void {
  let room = core.rooms.get(appID, roomID);
  if (ev.t === 'join') {
    room ??= core.openRoom(appID, roomID, ev.max > 0 ? ev.max : Number.POSITIVE_INFINITY)[0];
    applyMember(core, room, ev.uid, ev);
    return;
  }
  if (!room) return;
  switch (ev.t) {
    case 'moved':
      applyMember(core, room, ev.uid, ev);
      return;
    case 'leave': {
      const m = room.members.get(ev.uid);
      // Only a remote member: a node never lets another end one of its own sessions' memberships.
      if (m && m.session.id === ev.sid && m.session.remote) core.leave(m, ev.why);
      return;
    }
    case 'reserve':
      applyReservation(core, room, ev.r);
      return;
    case 'release': {
      const r = core.streams.get(appID, ev.s);
      if (r && r.roomID === roomID) core.release(r, ev.why);
      return;
    }
    case 'state':
      if (ev.live) core.streamLive(appID, ev.s);
      else core.streamGone(appID, ev.s, ev.why);
      return;
    case 'sextra': {
      const r = core.streams.get(appID, ev.s);
      if (!r || r.roomID !== roomID) return;
      const m = room.members.get(r.userID);
      if (m) core.setStreamExtraInfo(m, ev.s, ev.x);
      else r.extraInfo = ev.x;
      return;
    }
    case 'rextra':
      core.putRoomExtraInfo(room, ev.item);
      return;
    case 'msg':
      if (ev.to) core.sendToMembers(room, ev.ex, ev.to, ev.body);
      else core.sendToRoom(room, ev.ex, ev.body);
      return;
  }
}

import { ErrorCode, MiniRtcError, errorMessage } from '@minirtc/protocol';
import type { WireRoomExtraInfo } from '@minirtc/protocol';
import type { MediaStreamStat } from '../metrics/server-metrics.js';
import type { Room } from '../core/model.js';
import type { Signaling } from '../core/signaling.js';
import type { ApiStream, ApiUser } from './api-types.js';
import type { NodeLocator } from './node-locator.js';

export type { ApiStream, ApiUser } from './api-types.js';

/** The room or 1002014. */
export function requireRoom(core: Signaling, appID: number, roomID: string): Room {
  const room = core.rooms.get(appID, roomID);
  if (!room) throw new MiniRtcError(ErrorCode.ROOM_NOT_EXIST);
  return room;
}

/** Members of a room in join order, each with the node holding its session. */
export function roomUsers(room: Room, nodes: NodeLocator): ApiUser[] {
  return [...room.members.values()]
    .map((m) => ({
      userID: m.session.userID,
      userName: m.session.userName,
      joinedAt: m.joinedAt,
      state: m.session.transport ? ('attached' as const) : ('grace' as const),
      node: nodes.session(m.session),
    }))
    .sort((a, b) => a.joinedAt - b.joinedAt);
}

/** The room's extra info items. */
export function roomExtraInfo(room: Room): WireRoomExtraInfo[] {
  return [...room.extraInfo.values()];
}

/**
 * Reserved streams of an app (or one room), with gateway stats, the node holding each, and a preview
 * URL for live ones.
 */
export function listStreams(
  core: Signaling,
  appID: number,
  stats: MediaStreamStat[],
  preview: (roomID: string, streamID: string) => string | null,
  nodes: NodeLocator,
  roomID?: string,
): ApiStream[] {
  const rooms = roomID === undefined ? core.rooms.list(appID) : [requireRoom(core, appID, roomID)];
  const byId = new Map(
    stats.filter((s) => s.appID === undefined || s.appID === appID).map((s) => [s.streamID, s]),
  );
  return rooms.flatMap((room) =>
    [...room.streams.values()].map((r) => {
      const s = byId.get(r.streamID);
      return {
        streamID: r.streamID,
        roomID: r.roomID,
        userID: r.userID,
        userName: r.userName,
        extraInfo: r.extraInfo,
        live: r.live,
        reservedAt: r.reservedAt,
        players: s?.players ?? null,
        bitrate: s?.bitrate ?? null,
        bytesIn: s?.bytesIn ?? null,
        bytesOut: s?.bytesOut ?? null,
        previewUrl: r.live ? preview(r.roomID, r.streamID) : null,
        node: nodes.stream(r, room.members.get(r.userID)?.session),
        mediaNode: nodes.mediaNode(appID, r.streamID),
      };
    }),
  );
}

/** Kicks users out of a room (1002055 to each); returns who was kicked and who was not there. */
export function kickUsers(
  core: Signaling,
  appID: number,
  roomID: string,
  userIDs: string[],
): { kicked: string[]; notInRoom: string[] } {
  const room = requireRoom(core, appID, roomID);
  const kicked: string[] = [];
  const notInRoom: string[] = [];
  for (const uid of new Set(userIDs)) {
    const m = room.members.get(uid);
    if (!m) notInRoom.push(uid);
    else {
      core.kickFromRoom(m, ErrorCode.KICKED_BY_SERVER);
      kicked.push(uid);
    }
  }
  return { kicked, notInRoom };
}

/**
 * A server-originated broadcast: every member gets it (except the named sender if it is a member,
 * as with a client broadcast). Counts against the room's broadcast rate like any other.
 */
export function broadcastToRoom(
  core: Signaling,
  appID: number,
  roomID: string,
  from: { userID: string; userName: string },
  message: string,
): { messageID: number } {
  const room = requireRoom(core, appID, roomID);
  if (room.pushesBehind || !room.broadcastLimit.take())
    throw new MiniRtcError(ErrorCode.RATE_LIMITED, 'broadcast rate limit');
  const messageID = core.nextBroadcastID(room);
  core.sendToRoom(room, from.userID, {
    type: 'broadcast',
    roomID,
    messages: [{ fromUser: from, message, sendTime: Date.now(), messageID }],
  });
  return { messageID };
}

/** A server-originated custom command to named members; all must be in the room (1990060) or nobody gets it. */
export function sendCustomCommand(
  core: Signaling,
  appID: number,
  roomID: string,
  from: { userID: string; userName: string },
  toUserIDs: string[],
  command: string,
): void {
  const room = requireRoom(core, appID, roomID);
  const targets = [...new Set(toUserIDs)];
  for (const t of targets) {
    if (!room.members.has(t))
      throw new MiniRtcError(ErrorCode.USER_NOT_IN_ROOM, `user ${t} is not in the room`);
  }
  if (!room.commandLimit.hasAll(targets))
    throw new MiniRtcError(ErrorCode.RATE_LIMITED, 'custom command rate limit');
  for (const t of targets) room.commandLimit.take(t);
  core.sendToMembers(room, from.userID, targets, { type: 'customCommand', roomID, fromUser: from, command });
}

/**
 * Closes a stream: the reservation is released (the room gets DELETE if it was live, the gateway
 * drops the media) and the publisher is told its stream was stopped by the server.
 */
export function closeStream(
  core: Signaling,
  appID: number,
  streamID: string,
): { roomID: string; userID: string } {
  const r = core.streams.get(appID, streamID);
  if (!r) throw new MiniRtcError(ErrorCode.STREAM_NOT_FOUND);
  core.release(r, 'closed');
  const room = core.rooms.get(appID, r.roomID);
  // Through the core: in a cluster the publisher's socket may be on another node.
  if (room?.members.has(r.userID))
    core.sendToMembers(room, '', [r.userID], {
      type: 'mediaUpdate',
      roomID: r.roomID,
      streamID,
      kind: 'publish',
      state: 'stopped',
      code: ErrorCode.KICKED_BY_SERVER,
      message: `closed by the server: ${errorMessage(ErrorCode.KICKED_BY_SERVER)}`,
    });
  return { roomID: r.roomID, userID: r.userID };
}

import { roomP } from './route-helpers.js';
import { type Route, route } from './route-types.js';
import {
  broadcastToRoom,
  closeStream,
  kickUsers,
  listStreams,
  requireRoom,
  roomExtraInfo,
  roomUsers,
  sendCustomCommand,
} from './room-ops.js';
import { Bodies, Q } from './schemas.js';

/** Live rooms, their users and streams, and what an operator can do to them. */
export const roomRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/apps/:appID/rooms',
    summary: 'Live rooms with user and stream counts',
    handle: async (ctx) => ({
      rooms: ctx.deps.listRooms
        ? await ctx.deps.listRooms(ctx.app.appID)
        : ctx.deps.core.rooms.list(ctx.app.appID).map((r) => ({
            roomID: r.roomID,
            users: r.members.size,
            streams: r.liveStreams().length,
            createdAt: r.createdAt,
          })),
    }),
  }),
  route({
    method: 'GET',
    path: '/apps/:appID/rooms/:roomID',
    summary: 'A room: users, streams, extra info',
    handle: (ctx) => {
      const room = requireRoom(ctx.deps.core, ctx.app.appID, roomP(ctx));
      return {
        roomID: room.roomID,
        createdAt: room.createdAt,
        users: roomUsers(room),
        streams: listStreams(
          ctx.deps.core,
          ctx.app.appID,
          ctx.deps.mediaStats(),
          (r, s) => ctx.deps.previewUrl(ctx.app.appID, r, s),
          room.roomID,
        ),
        extraInfo: roomExtraInfo(room),
      };
    },
  }),
  route({
    method: 'GET',
    path: '/apps/:appID/rooms/:roomID/users',
    summary: 'Users of a room (DescribeUsers)',
    handle: (ctx) => ({ users: roomUsers(requireRoom(ctx.deps.core, ctx.app.appID, roomP(ctx))) }),
  }),
  route({
    method: 'GET',
    path: '/apps/:appID/rooms/:roomID/user-count',
    summary: 'Number of users in a room (DescribeUserNum; 0 for a room that does not exist)',
    handle: (ctx) => ({
      roomID: roomP(ctx),
      count: ctx.deps.core.rooms.get(ctx.app.appID, roomP(ctx))?.members.size ?? 0,
    }),
  }),
  route({
    method: 'POST',
    path: '/apps/:appID/rooms/:roomID/kick',
    summary: 'Kick users out (KickoutUser): they get DISCONNECTED 1002055',
    body: Bodies.kick,
    handle: (ctx) => kickUsers(ctx.deps.core, ctx.app.appID, roomP(ctx), ctx.body.userIDs),
  }),
  route({
    method: 'POST',
    path: '/apps/:appID/rooms/:roomID/close',
    summary: 'Close a room (CloseRoom): every member is kicked with 1002055',
    handle: (ctx) => {
      requireRoom(ctx.deps.core, ctx.app.appID, roomP(ctx));
      return { removed: ctx.deps.core.closeRoom(ctx.app.appID, roomP(ctx)) };
    },
  }),
  route({
    method: 'POST',
    path: '/apps/:appID/rooms/:roomID/broadcast',
    summary: 'Broadcast a message to the room (SendBroadcastMessage)',
    body: Bodies.broadcast,
    handle: (ctx) => {
      const b = ctx.body;
      return broadcastToRoom(
        ctx.deps.core,
        ctx.app.appID,
        roomP(ctx),
        { userID: b.fromUserID, userName: b.fromUserName ?? b.fromUserID },
        b.message,
      );
    },
  }),
  route({
    method: 'POST',
    path: '/apps/:appID/rooms/:roomID/custom-command',
    summary: 'Send a custom command to some members (SendCustomCommand)',
    body: Bodies.customCommand,
    handle: (ctx) => {
      const b = ctx.body;
      sendCustomCommand(
        ctx.deps.core,
        ctx.app.appID,
        roomP(ctx),
        { userID: b.fromUserID, userName: b.fromUserName ?? b.fromUserID },
        b.toUserIDs,
        b.command,
      );
      return { sent: b.toUserIDs.length };
    },
  }),
  route({
    method: 'GET',
    path: '/apps/:appID/streams',
    summary: 'Streams (reserved and live) with players, bitrate and a short-lived previewUrl (HTTP-FLV)',
    query: [Q.str('roomID', 'only this room', 128)],
    handle: (ctx) => ({
      streams: listStreams(
        ctx.deps.core,
        ctx.app.appID,
        ctx.deps.mediaStats(),
        (r, s) => ctx.deps.previewUrl(ctx.app.appID, r, s),
        ctx.q.roomID,
      ),
    }),
  }),
  route({
    method: 'DELETE',
    path: '/apps/:appID/streams/:streamID',
    summary: 'Close a stream and drop its media (DeleteStream)',
    handle: (ctx) => ({
      closed: true,
      ...closeStream(ctx.deps.core, ctx.app.appID, ctx.params.streamID as string),
    }),
  }),
];

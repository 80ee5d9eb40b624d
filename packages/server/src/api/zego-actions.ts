import { randomInt } from 'node:crypto';
import {
  ErrorCode,
  MiniRtcError,
  checkRoomID,
  checkStreamID,
  checkUserID,
  utf8Length,
} from '@minirtc/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { answerNotFound, jsonBody } from '../http/http-app.js';
import { errorReply } from '../http/reply-error.js';
import type { ApiDeps } from './api-deps.js';
import { sha256Hex } from '../security/strong-signature.js';
import { verifySignedRequest } from './auth.js';
import {
  broadcastToRoom,
  closeStream,
  kickUsers,
  listStreams,
  requireRoom,
  roomUsers,
  sendCustomCommand,
} from './room-ops.js';

type Action = (p: URLSearchParams, appID: number, deps: ApiDeps) => unknown;

/**
 * An action added by a feature (recording, mixing): it also gets the JSON body as sent, because
 * those ZEGO APIs nest objects (`RecordInputParams`, `MixInput[]`) that the flat form cannot carry.
 */
export type ExtraZegoAction = (
  p: URLSearchParams,
  appID: number,
  json: Record<string, unknown> | null,
) => unknown | Promise<unknown>;

function need(p: URLSearchParams, name: string): string {
  const v = p.get(name);
  if (v === null || v === '') throw new MiniRtcError(ErrorCode.INVALID_PARAM, `${name} is required`);
  return v;
}

/** `Name[]=a&Name[]=b` (ZEGO's form), also `Name=a&Name=b`. */
function list(p: URLSearchParams, name: string): string[] {
  return [...p.getAll(`${name}[]`), ...p.getAll(name)].filter((v) => v !== '');
}

function messageContent(p: URLSearchParams): string {
  const m = need(p, 'MessageContent');
  if (utf8Length(m) > 1024) throw new MiniRtcError(ErrorCode.MESSAGE_TOO_LONG);
  return m;
}

/** ZEGO server API actions, each on the same room operations as the REST form. */
const actions: Record<string, Action> = {
  KickoutUser: (p, appID, d) => {
    const users = list(p, 'UserId').map((u) => checkUserID(u));
    if (users.length === 0) throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'UserId[] is required');
    kickUsers(d.core, appID, checkRoomID(need(p, 'RoomId')), users);
    return undefined;
  },
  CloseRoom: (p, appID, d) => {
    const roomID = checkRoomID(need(p, 'RoomId'));
    requireRoom(d.core, appID, roomID);
    d.core.closeRoom(appID, roomID);
    return undefined;
  },
  DescribeUsers: (p, appID, d) => {
    const room = requireRoom(d.core, appID, checkRoomID(need(p, 'RoomId')));
    // Mode 0: oldest first (default), 1: newest first. Marker: the index to continue from.
    let users = roomUsers(room, d.nodes);
    if (p.get('Mode') === '1') users = users.reverse();
    const limit = Math.min(Math.max(Number(p.get('Limit') ?? 200) || 200, 1), 200);
    const start = Number(p.get('Marker') ?? 0) || 0;
    const page = users.slice(start, start + limit);
    return {
      Marker: start + page.length < users.length ? String(start + page.length) : '',
      UserList: page.map((u) => ({
        UserId: u.userID,
        UserName: u.userName,
        LoginTime: u.joinedAt,
        UserRole: 2,
      })),
    };
  },
  DescribeUserNum: (p, appID, d) => {
    const rooms = list(p, 'RoomId').map((r) => checkRoomID(r));
    if (rooms.length === 0) throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'RoomId[] is required');
    return {
      UserCountList: rooms.slice(0, 10).map((roomID) => ({
        RoomId: roomID,
        UserCount: d.core.rooms.get(appID, roomID)?.members.size ?? 0,
        AdminUserCount: 0,
      })),
    };
  },
  DeleteStream: (p, appID, d) => {
    closeStream(d.core, appID, checkStreamID(need(p, 'StreamId')));
    return undefined;
  },
  // Without a separate ban list, forbidding a stream closes it the same way; the publisher may retry.
  ForbidRTCStream: (p, appID, d) => {
    closeStream(d.core, appID, checkStreamID(need(p, 'StreamId')));
    return undefined;
  },
  SendBroadcastMessage: (p, appID, d) => {
    const userID = checkUserID(need(p, 'UserId'));
    const r = broadcastToRoom(
      d.core,
      appID,
      checkRoomID(need(p, 'RoomId')),
      { userID, userName: p.get('UserName') || userID },
      messageContent(p),
    );
    return { MessageId: r.messageID };
  },
  SendCustomCommand: (p, appID, d) => {
    const from = checkUserID(need(p, 'FromUserId'));
    const to = list(p, 'ToUserId').map((u) => checkUserID(u));
    if (to.length === 0) throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'ToUserId[] is required');
    sendCustomCommand(
      d.core,
      appID,
      checkRoomID(need(p, 'RoomId')),
      { userID: from, userName: from },
      to,
      messageContent(p),
    );
    return undefined;
  },
  DescribeRoomStreamList: (p, appID, d) => {
    const roomID = checkRoomID(need(p, 'RoomId'));
    const streams = listStreams(d.core, appID, [], () => null, d.nodes, roomID).filter((s) => s.live);
    return {
      StreamList: streams.map((s) => ({
        StreamId: s.streamID,
        UserId: s.userID,
        UserName: s.userName,
        CreateTime: s.reservedAt,
        ExtraInfo: s.extraInfo,
      })),
    };
  },
};

/** Names of the supported actions. */
export const ZEGO_ACTIONS = Object.keys(actions);

/**
 * The ZEGO-compatible form: `GET|POST /?Action=<Name>&AppId=…&Signature…` with ZEGO's parameter names,
 * answered `{ Code, Message, RequestId, Data }` with HTTP 200 (as ZEGO does: the outcome is in Code).
 * POST parameters may also come as a form or JSON body. `/` without `Action` is a plain 404.
 */
export function zegoActionRoutes(
  deps: ApiDeps,
  extra: Record<string, ExtraZegoAction> = {},
): (app: FastifyInstance) => void {
  return (app) => {
    const handle = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const params = new URL(req.url, 'http://x').searchParams;
      if (!params.has('Action')) return answerNotFound(app, req, reply);
      const requestId = String(randomInt(1, 2 ** 47)) + String(randomInt(0, 1000)).padStart(3, '0');
      const answer = (code: number, message: string, data?: unknown): FastifyReply =>
        reply.code(200).send({
          Code: code,
          Message: message,
          RequestId: requestId,
          ...(data !== undefined ? { Data: data } : {}),
        });
      try {
        let json: Record<string, unknown> | null = null;
        let bodyText = '';
        if (req.method === 'POST') {
          const text = typeof req.body === 'string' ? req.body : '';
          bodyText = text;
          if (text.trim().startsWith('{')) {
            const o = jsonBody(text) as Record<string, unknown>;
            json = o && typeof o === 'object' && !Array.isArray(o) ? o : null;
            for (const [k, v] of Object.entries(o)) {
              for (const x of Array.isArray(v) ? v : [v]) params.append(k, String(x));
            }
          } else for (const [k, v] of new URLSearchParams(text)) params.append(k, v);
        }
        const name = params.get('Action') ?? '';
        const action = Object.hasOwn(actions, name) ? actions[name] : undefined;
        const more = Object.hasOwn(extra, name) ? extra[name] : undefined;
        const caller = await verifySignedRequest(params, deps.apps, deps.nonces, Date.now(), {
          method: req.method,
          path: '/',
          action: name,
          bodySha256: sha256Hex(bodyText),
        });
        if (caller.admin) throw new MiniRtcError(ErrorCode.API_APP_FORBIDDEN);
        if (!action && !more) throw new MiniRtcError(ErrorCode.API_NOT_FOUND, `unknown Action ${name}`);
        if (deps.prepare && (params.get('RoomId') || params.get('StreamId'))) {
          await deps.prepare(caller.appID, {
            roomID: params.get('RoomId'),
            streamID: params.get('StreamId'),
          });
        }
        const data = action ? action(params, caller.appID, deps) : await more?.(params, caller.appID, json);
        if (!name.startsWith('Describe')) {
          const roomID = params.get('RoomId');
          const streamID = params.get('StreamId');
          const reason = params.get('CustomReason');
          deps.audit({
            appID: caller.appID,
            ...(roomID ? { roomID } : {}),
            ...(streamID ? { streamID } : {}),
            type: `api ${name}`,
            detail: { by: 'app', ...(reason ? { reason } : {}) },
          });
        }
        return answer(0, 'success', data);
      } catch (e) {
        const { body } = errorReply(e);
        deps.apiError(body.code);
        return answer(body.code, body.message);
      }
    };
    app.route({ method: ['GET', 'POST'], url: '/', handler: handle });
  };
}

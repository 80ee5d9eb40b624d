import { randomUUID } from 'node:crypto';
import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import type { Handler } from './context.js';
import { requireMember } from './context.js';

export { MAX_ROOM_EXTRA_KEYS } from '../../core/signaling.js';

/** `broadcast`: to every other member, 10/s per room; messageID is a per-room counter (ZEGO: a number). */
export const broadcast: Handler<'broadcast'> = (ctx, caller, msg) => {
  const m = requireMember(caller, msg.roomID);
  if (m.room.pushesBehind || !m.room.broadcastLimit.take())
    throw new MiniRtcError(ErrorCode.RATE_LIMITED, 'broadcast rate limit');
  const messageID = caller.preparedBroadcastID ?? ctx.core.nextBroadcastID(m.room);
  caller.preparedBroadcastID = undefined;
  ctx.core.sendToRoom(m.room, m.session.userID, {
    type: 'broadcast',
    roomID: msg.roomID,
    messages: [{ fromUser: m.user, message: msg.message, sendTime: Date.now(), messageID }],
  });
  return { data: { messageID } };
};

/** `barrage`: to every other member, 20/s per room; messageID is a string (ZEGO's type for barrage). */
export const barrage: Handler<'barrage'> = (ctx, caller, msg) => {
  const m = requireMember(caller, msg.roomID);
  if (m.room.pushesBehind || !m.room.barrageLimit.take())
    throw new MiniRtcError(ErrorCode.RATE_LIMITED, 'barrage rate limit');
  const messageID = randomUUID();
  ctx.core.sendToRoom(m.room, m.session.userID, {
    type: 'barrage',
    roomID: msg.roomID,
    messages: [{ fromUser: m.user, message: msg.message, sendTime: Date.now(), messageID }],
  });
  return { data: { messageID } };
};

/**
 * `customCommand`: to the named members only, 200/s per receiving user. All targets are checked before
 * anything is sent, so a refused command reaches nobody.
 */
export const customCommand: Handler<'customCommand'> = (ctx, caller, msg) => {
  const m = requireMember(caller, msg.roomID);
  const targets = [...new Set(msg.toUserIDs)];
  if (targets.length === 0) throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'toUserIDs is empty');
  for (const t of targets) {
    if (!m.room.members.has(t))
      throw new MiniRtcError(ErrorCode.USER_NOT_IN_ROOM, `user ${t} is not in the room`);
  }
  if (!m.room.commandLimit.hasAll(targets)) {
    throw new MiniRtcError(ErrorCode.RATE_LIMITED, 'custom command rate limit');
  }
  for (const t of targets) m.room.commandLimit.take(t);
  ctx.core.sendToMembers(m.room, m.session.userID, targets, {
    type: 'customCommand',
    roomID: msg.roomID,
    fromUser: m.user,
    command: msg.command,
  });
  return {};
};

/** `setRoomExtraInfo`: key ≤ 10 B and value ≤ 128 B (checked by the schema); the others are told. */
export const setRoomExtraInfo: Handler<'setRoomExtraInfo'> = (ctx, caller, msg) => {
  const m = requireMember(caller, msg.roomID);
  ctx.core.setRoomExtraInfo(m, msg.key, msg.value);
  return {};
};

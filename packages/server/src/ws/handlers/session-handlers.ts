import { CloseCode, ErrorCode, Limits, MiniRtcError, checkUserName, isMiniRtcError } from '@minirtc/protocol';
import type { LoginResult } from '@minirtc/protocol';
import {
  type Token04Expectation,
  type Token04Info,
  tokenInvalid,
  verifyToken04,
} from '@minirtc/protocol/crypto';
import type { AppRecord } from '../../app-store.js';
import type { Membership } from '../../core/model.js';
import type { Caller, Handler, HandlerContext } from './context.js';
import { requireMember, requireSession } from './context.js';

/** Effective room capacity: the creator's wish bounded by the app's cap (0 / absent = unbounded). */
function roomCapacity(asked: number | undefined, appCap: number | undefined): number {
  const a = asked && asked > 0 ? asked : Number.POSITIVE_INFINITY;
  const b = appCap && appCap > 0 ? appCap : Number.POSITIVE_INFINITY;
  return Math.min(a, b);
}

/**
 * Verifies a token under the failed-login budgets: an address out of budget is refused before the
 * token is looked at, a failure spends budget, and an app that refuses CBC tokens fails them like any
 * other bad token (one code, one message; the precise reason is only in `detail`).
 */
function checkToken(
  ctx: HandlerContext,
  caller: Caller,
  app: AppRecord,
  token: string,
  expect: Omit<Token04Expectation, 'secret'>,
): Token04Info {
  const address = caller.address ?? '';
  ctx.loginGuard?.admit(address);
  try {
    const info = verifyToken04(token, { ...expect, secret: app.serverSecret });
    if (app.refuseCbcTokens && info.mode === 'cbc') throw tokenInvalid('mode', 'this app refuses CBC tokens');
    return info;
  } catch (e) {
    if (ctx.loginGuard && isMiniRtcError(e) && e.code === ErrorCode.TOKEN_MALFORMED) {
      throw ctx.loginGuard.failed(address, expect.appID, e as MiniRtcError);
    }
    throw e;
  }
}

/**
 * `login`: every check that can fail runs before anything changes, so a refused login leaves no trace.
 * Then: kick or silently replace an older session of the same user, join (creating the room), reply
 * with the snapshot, and only then start the token timers (a due warning must follow the reply).
 */
export const login: Handler<'login'> = (ctx, caller, msg) => {
  const { appID, roomID } = msg;
  const app = ctx.apps.get(appID);
  if (!app) throw new MiniRtcError(ErrorCode.APP_ID_INVALID);
  const userID = msg.user.userID;
  const userName = checkUserName(msg.user.userName, userID);
  const token = checkToken(ctx, caller, app, msg.token, { appID, userID, roomID });

  const mine = caller.session;
  if (mine) {
    if (mine.appID !== appID || mine.userID !== userID)
      throw new MiniRtcError(ErrorCode.MULTI_ROOM_USER_MISMATCH);
    if (mine.rooms.has(roomID)) throw new MiniRtcError(ErrorCode.REPEATED_LOGIN, `already in room ${roomID}`);
    if (mine.rooms.size >= Limits.MAX_ROOMS_PER_SESSION) throw new MiniRtcError(ErrorCode.TOO_MANY_ROOMS);
  }
  const older = mine ? undefined : ctx.core.sessions.byUser(appID, userID);
  const existing = ctx.core.rooms.get(appID, roomID);
  if (existing && !existing.members.has(userID) && existing.members.size >= existing.maxMembers) {
    throw new MiniRtcError(ErrorCode.ROOM_FULL);
  }

  const session = mine ?? ctx.core.createSession(appID, userID, userName);
  const userUpdate = msg.config?.userUpdate === true;
  let membership: Membership | null = null;
  if (older?.transport) ctx.core.kickSession(older, ErrorCode.KICKED_SAME_USER, CloseCode.KICKED);
  else if (older) membership = ctx.core.adopt(older, session, roomID, token, userUpdate);
  if (!membership) {
    // A session partly taken over earlier may still hold this room for the rest of its grace window.
    const lingering = ctx.core.sessions.lingeringOf(appID, userID).find((s) => s.rooms.has(roomID));
    if (lingering) membership = ctx.core.adopt(lingering, session, roomID, token, userUpdate);
  }
  if (!membership) {
    // In a cluster: the user is in the room through another node whose session is gone or in its
    // grace window (the login's preparation kicked an attached one): take it over silently too.
    const other = existing?.members.get(userID)?.session;
    if (other?.remote) membership = ctx.core.adopt(other, session, roomID, token, userUpdate);
  }
  if (!membership) {
    const [room] = ctx.core.openRoom(
      appID,
      roomID,
      roomCapacity(msg.config?.maxMemberCount, app.maxRoomMembers),
    );
    membership = ctx.core.join(room, session, token, userUpdate);
  }
  if (!mine) {
    ctx.core.attach(session, caller);
    caller.session = session;
  }
  const data: LoginResult = {
    sessionID: session.id,
    resumeKey: session.resumeKey,
    seq: session.seq,
    room: ctx.core.snapshotFor(membership),
    tokenExpire: token.expire,
    serverTime: Date.now(),
    heartbeatMs: ctx.heartbeatMs,
    resumeGraceMs: ctx.resumeGraceMs,
    ...(ctx.logCredential ? { logToken: ctx.logCredential(appID, userID) } : {}),
  };
  ctx.log.info({ appID, roomID, userID, sessionID: session.id }, 'login');
  const joined = membership;
  return { data, after: () => ctx.core.scheduleToken(joined) };
};

/**
 * `resume`: reattach a held session to this connection and replay every push after `lastSeq`.
 * Every failure is the same 1990030 so the reply reveals nothing about which sessions exist.
 */
export const resume: Handler<'resume'> = (ctx, caller, msg) => {
  if (caller.session)
    throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'this connection already has a session');
  const s = ctx.core.sessions.get(msg.sessionID);
  if (!s || s.id !== msg.sessionID || s.lingering || !s.checkResumeKey(msg.resumeKey)) {
    throw new MiniRtcError(ErrorCode.SESSION_NOT_FOUND);
  }
  const missed = s.missedSince(msg.lastSeq);
  if (!missed) throw new MiniRtcError(ErrorCode.SESSION_NOT_FOUND, 'missed pushes are no longer available');
  const previous = s.transport;
  // The client noticed the drop before the server did: the new socket wins, the old one is closed
  // without detaching the session (its close handler sees it no longer owns the session).
  ctx.core.attach(s, caller);
  caller.session = s;
  previous?.close(CloseCode.NORMAL, 'resumed on another connection');
  ctx.emit('sessionResumed', { appID: s.appID, userID: s.userID, sessionID: s.id, replayed: missed.length });
  ctx.log.info({ appID: s.appID, userID: s.userID, sessionID: s.id, replayed: missed.length }, 'resumed');
  return {
    data: {
      sessionID: s.id,
      seq: s.seq,
      rooms: [...s.rooms.keys()],
      serverTime: Date.now(),
      heartbeatMs: ctx.heartbeatMs,
      resumeGraceMs: ctx.resumeGraceMs,
    },
    after: () => {
      for (const m of missed) caller.send(m);
    },
  };
};

/** `logout`: leave one room; leaving the last one ends the session (the socket stays open for reuse). */
export const logout: Handler<'logout'> = (ctx, caller, msg) => {
  const m = requireMember(caller, msg.roomID);
  const s = m.session;
  ctx.core.leave(m, 'logout');
  if (s.rooms.size === 0) {
    ctx.core.endSession(s, 'logout');
    s.transport = null;
    caller.session = null;
  }
  ctx.log.info({ appID: s.appID, roomID: msg.roomID, userID: s.userID }, 'logout');
  return {};
};

/** `ping`: proves liveness (any frame does) and acknowledges pushes up to `lastSeq`. */
export const ping: Handler<'ping'> = (_ctx, caller, msg) => {
  if (caller.session && msg.lastSeq !== undefined) caller.session.ack(msg.lastSeq);
  if (msg.reqId === undefined) caller.send({ type: 'pong', serverTime: Date.now() });
  return { data: { serverTime: Date.now() } };
};

/** `renewToken`: a new token for a room the session is in, checked like a login's. */
export const renewToken: Handler<'renewToken'> = (ctx, caller, msg) => {
  const s = requireSession(caller);
  const m = requireMember(caller, msg.roomID);
  const app = ctx.apps.get(s.appID);
  if (!app) throw new MiniRtcError(ErrorCode.APP_ID_INVALID);
  const token = checkToken(ctx, caller, app, msg.token, {
    appID: s.appID,
    userID: s.userID,
    roomID: msg.roomID,
  });
  ctx.core.renewToken(m, token);
  // The timers are armed after the reply: a tokenWillExpire push must not overtake it.
  return { data: { tokenExpire: token.expire }, after: () => ctx.core.scheduleToken(m) };
};

import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import { tokenAllowsPublish } from '@minirtc/protocol/crypto';
import type { Handler } from './context.js';
import { requireMember } from './context.js';

/**
 * `publish`: reserves the streamID for the caller (unique per AppID) and returns a signed push URL.
 * The room's list does not change: the stream enters it when the gateway reports media.
 */
export const publish: Handler<'publish'> = (ctx, caller, msg) => {
  const m = requireMember(caller, msg.roomID);
  const s = m.session;
  if (!tokenAllowsPublish(m.token, msg.streamID)) throw new MiniRtcError(ErrorCode.NO_PUBLISH_PRIVILEGE);
  ctx.core.reserveStream(m, msg.streamID, msg.extraInfo);
  const data = ctx.signer.issue({
    appID: s.appID,
    roomID: msg.roomID,
    streamID: msg.streamID,
    action: 'push',
    userID: s.userID,
    sessionID: s.id,
  });
  return { data };
};

/** `stopPublish`: releases the reservation; DELETE if it was live; the gateway drops the media. */
export const stopPublish: Handler<'stopPublish'> = (ctx, caller, msg) => {
  const m = requireMember(caller, msg.roomID);
  const r = ctx.core.streams.get(m.session.appID, msg.streamID);
  if (!r) throw new MiniRtcError(ErrorCode.STREAM_NOT_FOUND);
  if (r.userID !== m.session.userID) throw new MiniRtcError(ErrorCode.STREAM_NOT_OWNED);
  ctx.core.release(r, 'stopPublish');
  return {};
};

/** `play`: a signed pull URL for a stream reserved in the caller's room. */
export const play: Handler<'play'> = (ctx, caller, msg) => {
  const m = requireMember(caller, msg.roomID);
  const s = m.session;
  const r = ctx.core.streams.get(s.appID, msg.streamID);
  if (!r) throw new MiniRtcError(ErrorCode.STREAM_NOT_FOUND);
  if (r.roomID !== msg.roomID) throw new MiniRtcError(ErrorCode.STREAM_NOT_IN_ROOM);
  const data = ctx.signer.issue({
    appID: s.appID,
    roomID: msg.roomID,
    streamID: msg.streamID,
    action: 'play',
    userID: s.userID,
    sessionID: s.id,
  });
  return { data };
};

/** `stopPlay`: nothing to release on the signaling side (the grant lapses with the URL's expiry). */
export const stopPlay: Handler<'stopPlay'> = (_ctx, caller, msg) => {
  requireMember(caller, msg.roomID);
  return {};
};

/** `setStreamExtraInfo`: own streams only; a live stream's change goes to the others. */
export const setStreamExtraInfo: Handler<'setStreamExtraInfo'> = (ctx, caller, msg) => {
  const m = requireMember(caller, msg.roomID);
  ctx.core.setStreamExtraInfo(m, msg.streamID, msg.extraInfo);
  return {};
};

/** `mediaState`: the `<rtc-room>` event a client saw, recorded for the call timeline. */
export const mediaState: Handler<'mediaState'> = (ctx, caller, msg) => {
  const m = requireMember(caller, msg.roomID);
  const e = {
    appID: m.room.appID,
    roomID: msg.roomID,
    userID: m.session.userID,
    streamID: msg.streamID,
    kind: msg.kind,
    code: msg.code,
    state: msg.state,
  };
  ctx.log.debug(e, 'media state');
  ctx.emit('mediaState', e);
  return {};
};

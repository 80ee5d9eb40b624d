import type { PushMessage, WireRoomExtraInfo } from '@minirtc/protocol/lite';
import type { Logger } from './logger.js';
import { type RoomState, diffSnapshots } from './room-state.js';
import type { TypedEmitter } from '@minirtc/protocol/lite';
import type {
  ZegoEvents,
  ZegoPlayerState,
  ZegoPublisherState,
  ZegoRoomState,
  ZegoRoomStateChangedReason,
} from './types.js';

/** One room the engine is in (or logging in to). */
export interface RoomEntry {
  roomID: string;
  token: string;
  user: { userID: string; userName: string };
  config: { userUpdate: boolean; maxMemberCount: number };
  phase: 'logining' | 'logined' | 'reconnecting';
  state: RoomState;
  /** The server session this room was joined in (a resume only restores rooms of that session). */
  sessionID?: string;
}

/** What push handling needs from the engine. */
export interface RoomEventHooks {
  setPublisherState(streamID: string, state: ZegoPublisherState, code: number, ext: string): void;
  setPlayerState(streamID: string, state: ZegoPlayerState, code: number, ext: string): void;
  roomKicked(roomID: string, code: number, message: string): void;
}

/**
 * Turns server pushes and snapshot changes into the app's ZEGO events. Keeps the room snapshot in step
 * so duplicates (and pushes that repeat what a snapshot already said) emit nothing.
 */
export class RoomEvents {
  constructor(
    private readonly emitter: TypedEmitter<ZegoEvents>,
    private readonly log: Logger,
    private readonly hooks: RoomEventHooks,
  ) {}

  /** Emits the pair `roomStateUpdate` + `roomStateChanged`. */
  roomState(
    roomID: string,
    state: ZegoRoomState,
    reason: ZegoRoomStateChangedReason,
    errorCode: number,
    extendedData = '',
  ): void {
    this.log.info(
      'room',
      `${roomID} ${state} ${reason}`,
      errorCode ? { errorCode, extendedData } : undefined,
    );
    this.emitter.emit('roomStateUpdate', roomID, state, errorCode, extendedData);
    this.emitter.emit('roomStateChanged', roomID, reason, errorCode, extendedData);
  }

  /**
   * Brings the app from `before` to `after`: at first login `before` is empty, so this delivers the
   * initial user list (with `userUpdate`), the streams already live and the room's extra info.
   */
  emitDiff(entry: RoomEntry, before: RoomState, after: RoomState): void {
    const d = diffSnapshots(before, after);
    const id = entry.roomID;
    if (entry.config.userUpdate) {
      if (d.usersRemoved.length) this.emitter.emit('roomUserUpdate', id, 'DELETE', d.usersRemoved);
      if (d.usersAdded.length) this.emitter.emit('roomUserUpdate', id, 'ADD', d.usersAdded);
    }
    if (d.streamsRemoved.length) this.emitter.emit('roomStreamUpdate', id, 'DELETE', d.streamsRemoved, '');
    if (d.streamsAdded.length) this.emitter.emit('roomStreamUpdate', id, 'ADD', d.streamsAdded, '');
    if (d.extraInfoChanged.length) this.emitExtraInfo(id, d.extraInfoChanged);
    if (before.onlineCount !== after.onlineCount || before.roomSeq === 0)
      this.emitter.emit('roomOnlineUserCountUpdate', id, after.onlineCount);
  }

  /** `roomExtraInfoUpdate`, and the same items as ZEGO's older reliable messages. */
  private emitExtraInfo(roomID: string, items: WireRoomExtraInfo[]): void {
    this.emitter.emit('roomExtraInfoUpdate', roomID, items);
    for (const it of items) this.emitter.emit('recvReliableMessage', roomID, it.key, it.value);
  }

  /** Applies one server push. */
  onPush(rooms: Map<string, RoomEntry>, m: PushMessage): void {
    const entry = rooms.get(m.roomID);
    if (!entry || entry.phase === 'logining') {
      this.log.debug('push', `${m.type} for a room we are not in`, m.roomID);
      return;
    }
    const id = entry.roomID;
    const st = entry.state;
    switch (m.type) {
      case 'userUpdate': {
        if (!isUpdateType(m.updateType) || !Array.isArray(m.users)) return;
        const changed = st.applyUsers(m.updateType, m.users);
        if (typeof m.roomSeq === 'number') st.roomSeq = m.roomSeq;
        if (changed.length && entry.config.userUpdate)
          this.emitter.emit('roomUserUpdate', id, m.updateType, changed);
        return;
      }
      case 'streamUpdate': {
        if (!isUpdateType(m.updateType) || !Array.isArray(m.streams)) return;
        const changed = st.applyStreams(m.updateType, m.streams);
        if (typeof m.roomSeq === 'number') st.roomSeq = m.roomSeq;
        if (changed.length) this.emitter.emit('roomStreamUpdate', id, m.updateType, changed, '');
        return;
      }
      case 'onlineCount':
        if (typeof m.count !== 'number') return;
        st.onlineCount = m.count;
        this.emitter.emit('roomOnlineUserCountUpdate', id, m.count);
        return;
      case 'roomExtraInfo':
        if (!Array.isArray(m.items)) return;
        for (const it of m.items) st.extraInfo.set(it.key, it);
        this.emitExtraInfo(id, m.items);
        return;
      case 'streamExtraInfo':
        if (!Array.isArray(m.streams)) return;
        for (const s of m.streams) {
          const known = st.streams.get(s.streamID);
          if (known) known.extraInfo = s.extraInfo;
        }
        this.emitter.emit('streamExtraInfoUpdate', id, m.streams);
        return;
      case 'broadcast':
        if (Array.isArray(m.messages)) this.emitter.emit('IMRecvBroadcastMessage', id, m.messages);
        return;
      case 'barrage':
        if (Array.isArray(m.messages)) this.emitter.emit('IMRecvBarrageMessage', id, m.messages);
        return;
      case 'customCommand':
        this.emitter.emit('IMRecvCustomCommand', id, m.fromUser, m.command);
        return;
      case 'kickout':
        this.hooks.roomKicked(id, typeof m.code === 'number' ? m.code : 1002055, String(m.message ?? ''));
        return;
      case 'tokenWillExpire':
        this.emitter.emit('tokenWillExpire', id);
        return;
      case 'mediaUpdate':
        this.onMediaUpdate(m);
        return;
    }
  }

  /**
   * The media gateway's view of our own streams. `live` confirms PUBLISHING/PLAYING even if the app
   * never forwards `onRtmpEvent`; `refused` ends it with the server's code; `stopped` (media gone while
   * the grant stands) means the component is expected to retry, so REQUESTING.
   */
  private onMediaUpdate(m: Extract<PushMessage, { type: 'mediaUpdate' }>): void {
    const code = typeof m.code === 'number' ? m.code : 0;
    const ext = m.message ?? '';
    if (m.kind === 'publish') {
      const state: ZegoPublisherState | undefined =
        m.state === 'live'
          ? 'PUBLISHING'
          : m.state === 'refused'
            ? 'NO_PUBLISH'
            : m.state === 'stopped'
              ? 'PUBLISH_REQUESTING'
              : undefined;
      if (state) this.hooks.setPublisherState(m.streamID, state, state === 'PUBLISHING' ? 0 : code, ext);
    } else if (m.kind === 'play') {
      const state: ZegoPlayerState | undefined =
        m.state === 'live'
          ? 'PLAYING'
          : m.state === 'refused'
            ? 'NO_PLAY'
            : m.state === 'stopped'
              ? 'PLAY_REQUESTING'
              : undefined;
      if (state) this.hooks.setPlayerState(m.streamID, state, state === 'PLAYING' ? 0 : code, ext);
    }
  }
}

function isUpdateType(t: unknown): t is 'ADD' | 'DELETE' {
  return t === 'ADD' || t === 'DELETE';
}

import type { WireRoomExtraInfo, WireStream, WireUser } from '@minirtc/protocol/lite';

/** A user as ZEGO reports it: `{ userID, userName }`. */
export type ZegoUser = WireUser;

/** One stream of `roomStreamUpdate` (ZEGO's `ZegoStreamList` item). */
export type ZegoStreamList = WireStream;

/** One item of `roomExtraInfoUpdate`. */
export type ZegoRoomExtraInfo = WireRoomExtraInfo;

/** What `loginRoom`'s `user` argument accepts. */
export interface ZegoUserInput {
  userID: string;
  userName?: string;
}

/** `loginRoom`'s optional configuration. */
export interface ZegoRoomConfig {
  /** Receive `roomUserUpdate` (others joining and leaving). ZEGO's default: false. */
  userUpdate?: boolean;
  /** Room capacity, set by the login that creates the room; 0 = unlimited. */
  maxMemberCount?: number;
}

/** Room connection state (`roomStateUpdate`). */
export type ZegoRoomState = 'DISCONNECTED' | 'CONNECTING' | 'CONNECTED';

/** Why the room state changed (`roomStateChanged`). */
export type ZegoRoomStateChangedReason =
  | 'LOGINING'
  | 'LOGINED'
  | 'LOGIN_FAILED'
  | 'RECONNECTING'
  | 'RECONNECTED'
  | 'RECONNECT_FAILED'
  | 'KICKOUT'
  | 'LOGOUT'
  | 'LOGOUT_FAILED';

/** `ADD` or `DELETE` in user/stream updates. */
export type ZegoUpdateType = 'ADD' | 'DELETE';

/** Publisher states, as ZEGO names them. */
export type ZegoPublisherState = 'NO_PUBLISH' | 'PUBLISH_REQUESTING' | 'PUBLISHING';
/** Player states, as ZEGO names them. */
export type ZegoPlayerState = 'NO_PLAY' | 'PLAY_REQUESTING' | 'PLAYING';

/** Argument of `publisherStateUpdate`. */
export interface ZegoPublisherStateResult {
  streamID: string;
  state: ZegoPublisherState;
  errorCode: number;
  extendedData: string;
}

/** Argument of `playerStateUpdate`. */
export interface ZegoPlayerStateResult {
  streamID: string;
  state: ZegoPlayerState;
  errorCode: number;
  extendedData: string;
}

/** Quality statistics derived from the component's network status event. */
export interface ZegoQualityStats {
  video: { videoBitrate: number; videoFPS: number; frameWidth: number; frameHeight: number };
  audio: { audioBitrate: number };
  /** Network speed as the component reports it, kbit/s. */
  netSpeed: number;
  /** The component's own fields, untouched. */
  raw: Record<string, unknown>;
}

/** A broadcast message as received. */
export interface ZegoBroadcastMessageInfo {
  fromUser: ZegoUser;
  message: string;
  sendTime: number;
  messageID: number;
}

/** A barrage message as received. */
export interface ZegoBarrageMessageInfo {
  fromUser: ZegoUser;
  message: string;
  sendTime: number;
  messageID: string;
}

/** Result of the signaling message calls (`errorCode` 0 = success), ZEGO's `ZegoServerResponse`. */
export interface ZegoServerResponse {
  errorCode: number;
  extendedData?: string;
  /** Set by `sendBroadcastMessage` / `sendBarrageMessage` when the server assigned one. */
  messageID?: number | string;
}

/** `startPublishingStream`'s options. */
export interface ZegoPublishOption {
  sourceType?: 'CDN' | 'BGP';
  streamParams?: string;
  extraInfo?: string;
  /** With multi-room: which room the stream belongs to (default: the first room logged in). */
  roomID?: string;
}

/** `startPlayingStream`'s options. */
export interface ZegoPlayOption {
  streamParams?: string;
  isMix?: boolean;
  sourceType?: 'CDN' | 'BGP';
}

/** What `startPublishingStream` / `startPlayingStream` resolve with. */
export interface ZegoStreamUrlResult {
  streamID: string;
  url: string;
}

/** A `<rtc-room>` event as the page receives it (`onRtmpEvent`, net status). */
export interface RtcRoomEvent {
  detail?: { code?: number | string; message?: string; info?: Record<string, unknown>; [k: string]: unknown };
  [k: string]: unknown;
}

/** Log levels of `setLogConfig`. */
export type ZegoLogLevel = 'debug' | 'info' | 'warn' | 'error' | 'report' | 'disable';

/** `setLogConfig`'s argument. */
export interface ZegoLogConfig {
  logLevel?: ZegoLogLevel;
  remoteLogLevel?: ZegoLogLevel;
  /** Where remote logs are POSTed; default derived from the server URL (`…/httplog`). */
  logURL?: string;
}

/** Every event of the engine with its callback signature. */
export interface ZegoEvents {
  roomStateUpdate: (roomID: string, state: ZegoRoomState, errorCode: number, extendedData: string) => void;
  roomStateChanged: (
    roomID: string,
    reason: ZegoRoomStateChangedReason,
    errorCode: number,
    extendedData: string,
  ) => void;
  roomUserUpdate: (roomID: string, updateType: ZegoUpdateType, userList: ZegoUser[]) => void;
  roomStreamUpdate: (
    roomID: string,
    updateType: ZegoUpdateType,
    streamList: ZegoStreamList[],
    extendedData: string,
  ) => void;
  roomOnlineUserCountUpdate: (roomID: string, count: number) => void;
  roomExtraInfoUpdate: (roomID: string, roomExtraInfoList: ZegoRoomExtraInfo[]) => void;
  /**
   * ZEGO's reliable (latest-value-per-type) message, which ZEGO superseded with room extra info: MiniRTC
   * carries it as one, `type` being the key and `data` the value, and fires this with every
   * `roomExtraInfoUpdate` item so apps written against either API receive it.
   */
  recvReliableMessage: (roomID: string, type: string, data: string) => void;
  streamExtraInfoUpdate: (
    roomID: string,
    streamList: { streamID: string; user: ZegoUser; extraInfo: string }[],
  ) => void;
  tokenWillExpire: (roomID: string) => void;
  publisherStateUpdate: (result: ZegoPublisherStateResult) => void;
  playerStateUpdate: (result: ZegoPlayerStateResult) => void;
  publishQualityUpdate: (streamID: string, stats: ZegoQualityStats) => void;
  playQualityUpdate: (streamID: string, stats: ZegoQualityStats) => void;
  IMRecvBroadcastMessage: (roomID: string, chatData: ZegoBroadcastMessageInfo[]) => void;
  IMRecvBarrageMessage: (roomID: string, chatData: ZegoBarrageMessageInfo[]) => void;
  IMRecvCustomCommand: (roomID: string, fromUser: ZegoUser, command: string) => void;
}

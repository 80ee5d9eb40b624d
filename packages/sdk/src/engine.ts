import { ErrorCode, Limits, MiniRtcError, checkAppID } from '@minirtc/protocol';
import type { LoginResult, PushMessage, StreamUrlResult } from '@minirtc/protocol';
import type { BackoffOptions } from './backoff.js';
import { Connection } from './connection.js';
import { nextUrl, urlList } from './local-streams.js';
import type { LocalPlay, LocalPublish } from './local-streams.js';
import type { Logger } from './logger.js';
import type { Platform } from './platform.js';
import { detectPlatform } from './platform.js';
import { ruleForRtmpCode, rtmpEventCode } from './player-state-table.js';
import { qualityFromNetStatus } from './quality.js';
import { RemoteLogger, defaultLogURL } from './remote-logger.js';
import { RoomEvents } from './room-events.js';
import type { RoomEntry } from './room-events.js';
import { RoomState } from './room-state.js';
import { TypedEmitter } from './typed-emitter.js';
import type {
  RtcRoomEvent,
  ZegoEvents,
  ZegoLogConfig,
  ZegoPlayOption,
  ZegoPlayerState,
  ZegoPublishOption,
  ZegoPublisherState,
  ZegoRoomConfig,
  ZegoServerResponse,
  ZegoStreamUrlResult,
  ZegoUserInput,
} from './types.js';
import {
  checkMessage,
  checkRoomExtraInfo,
  checkRoomID,
  checkStreamExtraInfo,
  checkStreamID,
  checkToken,
  checkUser,
  checkUserIDList,
  toMiniRtcError,
} from './validate.js';
import { SDK_VERSION } from './version.js';

/**
 * MiniRTC's own options (a third constructor argument ZEGO apps never pass): the platform adapter and
 * timings, mainly for tests and tuning.
 */
export interface EngineOptions {
  platform?: Platform;
  /** One WebSocket connect attempt, ms (default 5000). */
  connectTimeoutMs?: number;
  /** Reply to one request, ms (default 10000). */
  requestTimeoutMs?: number;
  /** Whole login including connecting, ms (default 15000) → 1002031. */
  loginTimeoutMs?: number;
  /** Ping interval override, ms (default: the server's). */
  heartbeatMs?: number;
  /** Silence that counts as a dead link, ms (default 3 × heartbeat). */
  heartbeatTimeoutMs?: number;
  /** Retry window after a drop, ms (default: server's resume grace + 10 s) → 1002053. */
  reconnectWindowMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** Initial log configuration (also settable with `setLogConfig`). */
  log?: ZegoLogConfig;
}

/**
 * The ZEGO Express-compatible engine: `new ZegoExpressEngine(appID, server)`, then `on(...)`,
 * `loginRoom(...)`, publish/play and messages. Platform-neutral; the adapter is chosen at construction.
 */
export class ZegoExpressEngine {
  private readonly emitter = new TypedEmitter<ZegoEvents>();
  private readonly platform: Platform;
  private readonly logger: RemoteLogger;
  private readonly conn: Connection;
  private readonly rooms = new Map<string, RoomEntry>();
  private readonly publishing = new Map<string, LocalPublish>();
  private readonly playing = new Map<string, LocalPlay>();
  private readonly roomEvents: RoomEvents;
  private readonly options: EngineOptions;
  private multiRoom = false;
  private reloginGen = 0;

  /**
   * @param appID the AppID the tokens were made for
   * @param server signaling WebSocket URL, or several tried in order
   * @param options MiniRTC-only tuning (platform adapter, timings)
   */
  constructor(
    readonly appID: number,
    server: string | string[],
    options: EngineOptions = {},
  ) {
    checkAppID(appID);
    const servers = (Array.isArray(server) ? server : [server]).filter(
      (s) => typeof s === 'string' && /^(wss?|https?):\/\//i.test(s),
    );
    if (servers.length === 0)
      throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'server must be a ws(s):// URL');
    this.options = options;
    const platform = options.platform ?? detectPlatform();
    if (!platform) throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'no platform adapter for this runtime');
    this.platform = platform;
    this.logger = new RemoteLogger(platform, {
      logURL: options.log?.logURL ?? defaultLogURL(servers[0] as string),
      logLevel: options.log?.logLevel ?? 'warn',
      remoteLogLevel: options.log?.remoteLogLevel ?? 'warn',
      context: { appID, sdkVersion: SDK_VERSION, platform: platform.name },
    });
    this.emitter.onListenerError = (event, err) =>
      this.logger.error('app', `listener of ${String(event)} threw`, String(err));
    this.conn = new Connection({
      servers,
      platform,
      log: this.logger,
      connectTimeoutMs: options.connectTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs,
      heartbeatMs: options.heartbeatMs,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs,
      reconnectWindowMs: options.reconnectWindowMs,
      backoff: options.backoff,
    });
    this.roomEvents = new RoomEvents(this.emitter, this.logger, {
      // The gateway's reports only concern streams this engine still holds.
      setPublisherState: (id, st, code, ext) => {
        const local = this.publishing.get(id);
        if (local) this.setPublisherStateOf(local, st, code, ext);
      },
      setPlayerState: (id, st, code, ext) => {
        const local = this.playing.get(id);
        if (local) this.setPlayerStateOf(local, st, code, ext);
      },
      roomKicked: (roomID, code, msg) => this.dropRoom(roomID, 'KICKOUT', code, msg),
    });
    this.conn.on('push', (m: PushMessage) => this.roomEvents.onPush(this.rooms, m));
    this.conn.on('lost', (code: number) => this.onLinkLost(code));
    this.conn.on('resumed', () => this.onResumed());
    this.conn.on('sessionExpired', () => void this.relogin());
    this.conn.on('failed', (code: number) => this.onReconnectFailed(code));
    this.conn.on('closedByServer', (closeCode: number) => this.onClosedByServer(closeCode));
  }

  // ------------------------------------------------------------------ engine

  /** The SDK version. */
  getVersion(): string {
    return SDK_VERSION;
  }

  /** Registers an event callback. */
  on<K extends keyof ZegoEvents>(event: K, callback: ZegoEvents[K]): boolean {
    return this.emitter.on(event, callback);
  }

  /** Removes one callback, or all callbacks of `event`. */
  off<K extends keyof ZegoEvents>(event: K, callback?: ZegoEvents[K]): boolean {
    return this.emitter.off(event, callback);
  }

  /** Local and remote log levels and the remote log URL. */
  setLogConfig(config: ZegoLogConfig): boolean {
    if (typeof config !== 'object' || config === null) return false;
    return this.logger.configure(config);
  }

  /** Verbose local logs on/off. */
  setDebugVerbose(enable: boolean): void {
    this.logger.configure({ logLevel: enable ? 'debug' : 'warn' });
  }

  /** Whether this runtime can do real-time media (`code` 0 when fine). */
  checkSystemRequirements(): Promise<{ code: number; [k: string]: unknown }> {
    return this.platform.checkRequirements();
  }

  /** Allows logging in to several rooms (same userID). Only before the first login. */
  enableMultiRoom(enable: boolean): boolean {
    if (this.rooms.size > 0) return false;
    this.multiRoom = !!enable;
    return true;
  }

  /** Logs out of every room, closes the link and flushes logs. */
  destroyEngine(): void {
    for (const id of [...this.rooms.keys()]) void this.logoutRoom(id);
    this.conn.close();
    this.logger.dispose();
  }

  // ------------------------------------------------------------------ rooms

  /** Logs in to a room (creating it); resolves true or rejects with `{ code, msg }`. */
  async loginRoom(
    roomID: string,
    token: string,
    user: ZegoUserInput,
    config?: ZegoRoomConfig,
  ): Promise<boolean> {
    let u: { userID: string; userName: string };
    try {
      checkRoomID(roomID);
      checkToken(token);
      u = checkUser(user);
      if (config !== undefined && (typeof config !== 'object' || config === null))
        throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'config must be an object');
      const existing = this.rooms.get(roomID);
      if (existing)
        throw new MiniRtcError(
          existing.phase === 'logining' ? ErrorCode.LOGIN_IN_PROGRESS : ErrorCode.REPEATED_LOGIN,
        );
      if (this.rooms.size > 0 && !this.multiRoom) throw new MiniRtcError(ErrorCode.TOO_MANY_ROOMS);
      if (this.rooms.size >= Limits.MAX_ROOMS_PER_SESSION) throw new MiniRtcError(ErrorCode.TOO_MANY_ROOMS);
      for (const r of this.rooms.values())
        if (r.user.userID !== u.userID) throw new MiniRtcError(ErrorCode.MULTI_ROOM_USER_MISMATCH);
    } catch (e) {
      throw toMiniRtcError(e, ErrorCode.INVALID_PARAM);
    }
    const entry: RoomEntry = {
      roomID,
      token,
      user: u,
      config: { userUpdate: config?.userUpdate === true, maxMemberCount: config?.maxMemberCount ?? 0 },
      phase: 'logining',
      state: new RoomState(roomID, u.userID),
    };
    this.rooms.set(roomID, entry);
    this.logger.setContext({ userID: u.userID });
    this.roomEvents.roomState(roomID, 'CONNECTING', 'LOGINING', 0);
    const timeoutMs = this.options.loginTimeoutMs ?? 15_000;
    try {
      await this.conn.open(timeoutMs);
      if (this.rooms.get(roomID) !== entry)
        throw new MiniRtcError(ErrorCode.LOGIN_TIMEOUT, 'login cancelled');
      await this.conn.request<LoginResult>(this.loginMessage(entry), {
        timeoutMs,
        onData: (data) => this.installLogin(entry, data, false),
      });
      return true;
    } catch (e) {
      let err = toMiniRtcError(e);
      if (err.code === ErrorCode.NETWORK_TIMEOUT) err = new MiniRtcError(ErrorCode.LOGIN_TIMEOUT);
      if (this.rooms.get(roomID) === entry) {
        this.rooms.delete(roomID);
        this.roomEvents.roomState(roomID, 'DISCONNECTED', 'LOGIN_FAILED', err.code, err.msg);
        if (this.rooms.size === 0) this.conn.close();
      }
      throw err;
    }
  }

  /** Logs out of `roomID` (default: the first room). Never rejects. */
  async logoutRoom(roomID?: string): Promise<void> {
    const id = roomID ?? this.rooms.keys().next().value;
    if (id === undefined || !this.rooms.has(id)) return;
    const wasReady = this.conn.ready;
    this.dropRoom(id, 'LOGOUT', 0);
    if (wasReady) {
      try {
        await this.conn.request({ type: 'logout', roomID: id }, { timeoutMs: 3000 });
      } catch (e) {
        this.logger.info('room', 'logout request failed', toMiniRtcError(e).code);
      }
    }
    if (this.rooms.size === 0) this.conn.close();
  }

  /** Replaces the token of a room (token first, as ZEGO has it). */
  renewToken(token: string, roomID?: string): boolean {
    try {
      checkToken(token);
    } catch {
      return false;
    }
    const entry = roomID === undefined ? this.rooms.values().next().value : this.rooms.get(roomID);
    if (!entry) return false;
    entry.token = token;
    this.conn.request({ type: 'renewToken', roomID: entry.roomID, token }).catch((e: unknown) => {
      this.logger.warn('room', 'renewToken failed', toMiniRtcError(e).code);
    });
    return true;
  }

  // ------------------------------------------------------------------ publish / play

  /** Asks for a signed RTMP push URL for `<rtc-room>` `extraInfo.rtmpPushUrl`. */
  async startPublishingStream(
    streamID: string,
    publishOption: ZegoPublishOption = {},
  ): Promise<ZegoStreamUrlResult> {
    const opt = typeof publishOption === 'object' && publishOption !== null ? publishOption : {};
    let roomID: string;
    try {
      checkStreamID(streamID);
      roomID = this.roomFor(opt.roomID);
      if (opt.extraInfo !== undefined) checkStreamExtraInfo(opt.extraInfo);
    } catch (e) {
      throw toMiniRtcError(e, ErrorCode.INVALID_PARAM);
    }
    const local: LocalPublish = {
      streamID,
      roomID,
      state: 'PUBLISH_REQUESTING',
      urls: [],
      urlIndex: 0,
      extraInfo: opt.extraInfo,
      streamParams: opt.streamParams,
    };
    this.publishing.set(streamID, local);
    this.emitter.emit('publisherStateUpdate', {
      streamID,
      state: 'PUBLISH_REQUESTING',
      errorCode: 0,
      extendedData: '',
    });
    try {
      const data = await this.conn.request<StreamUrlResult>({
        type: 'publish',
        roomID,
        streamID,
        extraInfo: opt.extraInfo,
        streamParams: opt.streamParams,
      });
      local.urls = urlList(data.url, data.urls);
      local.urlIndex = 0;
      return { streamID, url: data.url };
    } catch (e) {
      const err = toMiniRtcError(e);
      if (this.publishing.get(streamID) === local) {
        this.publishing.delete(streamID);
        this.setPublisherStateOf(local, 'NO_PUBLISH', err.code, err.msg);
      }
      throw err;
    }
  }

  /** Stops publishing: the room gets DELETE, the gateway drops the media. */
  stopPublishingStream(streamID: string): boolean {
    const local = this.publishing.get(streamID);
    if (!local) return false;
    this.publishing.delete(streamID);
    this.setPublisherStateOf(local, 'NO_PUBLISH', 0, '');
    if (this.conn.ready)
      this.conn.request({ type: 'stopPublish', roomID: local.roomID, streamID }).catch((e: unknown) => {
        this.logger.info('stream', 'stopPublish failed', toMiniRtcError(e).code);
      });
    return true;
  }

  /** Asks for a signed RTMP pull URL for `<rtc-room>` `extraInfo.rtmpPullUrl`. */
  async startPlayingStream(streamID: string, playOption: ZegoPlayOption = {}): Promise<ZegoStreamUrlResult> {
    const opt = typeof playOption === 'object' && playOption !== null ? playOption : {};
    let roomID: string;
    try {
      checkStreamID(streamID);
      const holder = [...this.rooms.values()].find((r) => r.state.streams.has(streamID));
      roomID = holder ? holder.roomID : this.roomFor(undefined);
    } catch (e) {
      throw toMiniRtcError(e, ErrorCode.INVALID_PARAM);
    }
    const local: LocalPlay = { streamID, roomID, state: 'PLAY_REQUESTING', urls: [], urlIndex: 0 };
    this.playing.set(streamID, local);
    this.emitter.emit('playerStateUpdate', {
      streamID,
      state: 'PLAY_REQUESTING',
      errorCode: 0,
      extendedData: '',
    });
    try {
      const data = await this.conn.request<StreamUrlResult>({
        type: 'play',
        roomID,
        streamID,
        streamParams: opt.streamParams,
      });
      local.urls = urlList(data.url, data.urls);
      local.urlIndex = 0;
      return { streamID, url: data.url };
    } catch (e) {
      const err = toMiniRtcError(e);
      if (this.playing.get(streamID) === local) {
        this.playing.delete(streamID);
        this.setPlayerStateOf(local, 'NO_PLAY', err.code, err.msg);
      }
      throw err;
    }
  }

  /** Stops playing a stream. */
  stopPlayingStream(streamID: string): void {
    const local = this.playing.get(streamID);
    if (!local) return;
    this.playing.delete(streamID);
    this.setPlayerStateOf(local, 'NO_PLAY', 0, '');
    if (this.conn.ready)
      this.conn.request({ type: 'stopPlay', roomID: local.roomID, streamID }).catch(() => undefined);
  }

  /**
   * Feeds a `<rtc-room>` `onRtmpEvent` event in: the code table turns it into publisher/player state
   * events, and the code is reported to the server for the call timeline.
   */
  updatePlayerState(streamID: string, event: RtcRoomEvent): void {
    const code = rtmpEventCode(event);
    const rule = ruleForRtmpCode(code);
    const message = typeof event?.detail?.message === 'string' ? event.detail.message : '';
    const local = this.publishing.get(streamID) ?? this.playing.get(streamID);
    const roomID = local?.roomID ?? this.rooms.keys().next().value;
    if (!rule) {
      this.logger.info('media', 'rtmp event not in the table', { streamID, code });
    } else if (rule.kind === 'publish') {
      this.setPublisherState(streamID, rule.state, rule.errorCode, message);
    } else {
      this.setPlayerState(streamID, rule.state, rule.errorCode, message);
    }
    if (code !== undefined && roomID !== undefined && this.conn.ready) {
      try {
        checkStreamID(streamID);
        this.conn.notify({
          type: 'mediaState',
          roomID,
          streamID,
          kind: rule?.kind ?? (this.publishing.has(streamID) ? 'publish' : 'play'),
          code,
          state: rule?.state ?? 'UNKNOWN',
        });
      } catch {
        // a stream ID the server would reject anyway
      }
    }
  }

  /** Feeds a component network-status event in → `publishQualityUpdate` / `playQualityUpdate`. */
  updatePlayerNetStatus(streamID: string, event: RtcRoomEvent): void {
    const stats = qualityFromNetStatus(event);
    if (this.publishing.has(streamID)) this.emitter.emit('publishQualityUpdate', streamID, stats);
    else this.emitter.emit('playQualityUpdate', streamID, stats);
  }

  /** The next URL to try for a stream after a failure ('' when the stream is unknown). */
  getNextUrl(streamID: string): string {
    return nextUrl(this.publishing.get(streamID) ?? this.playing.get(streamID));
  }

  /** Sets the extra info of a stream this engine publishes. */
  setStreamExtraInfo(streamID: string, extraInfo: string): Promise<ZegoServerResponse> {
    return this.serverCall(async () => {
      checkStreamID(streamID);
      checkStreamExtraInfo(extraInfo);
      const local = this.publishing.get(streamID);
      const roomID = local?.roomID ?? this.roomFor(undefined);
      await this.conn.request({ type: 'setStreamExtraInfo', roomID, streamID, extraInfo });
      if (local) local.extraInfo = extraInfo;
      return {};
    });
  }

  // ------------------------------------------------------------------ messages

  /** Sends a broadcast message to the room (≤ 1 KB, 10/s per room). */
  sendBroadcastMessage(roomID: string, message: string): Promise<ZegoServerResponse> {
    return this.serverCall(async () => {
      checkRoomID(roomID);
      checkMessage(message);
      this.requireRoom(roomID);
      const data = await this.conn.request<{ messageID?: number } | undefined>({
        type: 'broadcast',
        roomID,
        message,
      });
      return data?.messageID !== undefined ? { messageID: data.messageID } : {};
    });
  }

  /** Sends a barrage message to the room (≤ 1 KB, 20/s per room). */
  sendBarrageMessage(roomID: string, message: string): Promise<ZegoServerResponse> {
    return this.serverCall(async () => {
      checkRoomID(roomID);
      checkMessage(message);
      this.requireRoom(roomID);
      const data = await this.conn.request<{ messageID?: string } | undefined>({
        type: 'barrage',
        roomID,
        message,
      });
      return data?.messageID !== undefined ? { messageID: data.messageID } : {};
    });
  }

  /** Sends a command to some users of the room (≤ 1 KB, ≤ 100 users). */
  sendCustomCommand(roomID: string, command: string, toUserIDList: string[]): Promise<ZegoServerResponse> {
    return this.serverCall(async () => {
      checkRoomID(roomID);
      checkMessage(command);
      const toUserIDs = checkUserIDList(toUserIDList);
      this.requireRoom(roomID);
      await this.conn.request({ type: 'customCommand', roomID, command, toUserIDs });
      return {};
    });
  }

  /** Sets one room extra info key (key ≤ 10 B, value ≤ 128 B). */
  setRoomExtraInfo(roomID: string, key: string, value: string): Promise<ZegoServerResponse> {
    return this.serverCall(async () => {
      checkRoomID(roomID);
      checkRoomExtraInfo(key, value);
      this.requireRoom(roomID);
      await this.conn.request({ type: 'setRoomExtraInfo', roomID, key, value });
      return {};
    });
  }

  // ------------------------------------------------------------------ internals

  private loginMessage(entry: RoomEntry): { type: string; [k: string]: unknown } {
    return {
      type: 'login',
      appID: this.appID,
      roomID: entry.roomID,
      token: entry.token,
      user: entry.user,
      config: { userUpdate: entry.config.userUpdate, maxMemberCount: entry.config.maxMemberCount },
      sdk: { version: SDK_VERSION, platform: this.platform.name },
    };
  }

  /** Runs synchronously with the login reply: session, snapshot, state events, initial lists or diffs. */
  private installLogin(entry: RoomEntry, data: LoginResult, relogin: boolean): void {
    if (this.rooms.get(entry.roomID) !== entry) return;
    this.conn.setSession({
      sessionID: data.sessionID,
      resumeKey: data.resumeKey,
      seq: data.seq,
      heartbeatMs: data.heartbeatMs,
      resumeGraceMs: data.resumeGraceMs,
    });
    this.logger.setContext({ sessionID: data.sessionID });
    const before = entry.state;
    const after = new RoomState(entry.roomID, entry.user.userID);
    after.load(data.room);
    entry.state = after;
    entry.phase = 'logined';
    this.roomEvents.roomState(entry.roomID, 'CONNECTED', relogin ? 'RECONNECTED' : 'LOGINED', 0);
    this.roomEvents.emitDiff(entry, before, after);
  }

  private async relogin(): Promise<void> {
    const gen = ++this.reloginGen;
    for (const entry of [...this.rooms.values()]) {
      if (gen !== this.reloginGen || this.rooms.get(entry.roomID) !== entry) continue;
      try {
        await this.conn.request<LoginResult>(this.loginMessage(entry), {
          immediate: true,
          timeoutMs: this.options.loginTimeoutMs ?? 15_000,
          onData: (data) => this.installLogin(entry, data, true),
        });
      } catch (e) {
        const err = toMiniRtcError(e);
        if (gen !== this.reloginGen) return;
        if (err.code === ErrorCode.SOCKET_CLOSED || err.code === ErrorCode.NETWORK_TIMEOUT) return; // link retries
        this.logger.warn('room', 're-login refused', { roomID: entry.roomID, code: err.code });
        this.dropRoom(entry.roomID, 'RECONNECT_FAILED', err.code, err.msg);
      }
    }
    if (gen !== this.reloginGen) return;
    if (this.rooms.size === 0) {
      this.conn.close();
      return;
    }
    await this.republish(gen);
    if (gen === this.reloginGen) this.conn.reloginDone();
  }

  /** Signed URLs name the old session; after a full re-login each published stream asks again. */
  private async republish(gen: number): Promise<void> {
    for (const local of [...this.publishing.values()]) {
      if (gen !== this.reloginGen) return;
      try {
        const data = await this.conn.request<StreamUrlResult>(
          {
            type: 'publish',
            roomID: local.roomID,
            streamID: local.streamID,
            extraInfo: local.extraInfo,
            streamParams: local.streamParams,
          },
          { immediate: true },
        );
        // getNextUrl() now hands out the fresh grant; the state event tells the app to use it (the
        // gateway drops media pushed under the old session's grant).
        local.urls = urlList(data.url, data.urls);
        local.urlIndex = local.urls.length - 1;
        local.state = 'PUBLISH_REQUESTING';
        this.emitter.emit('publisherStateUpdate', {
          streamID: local.streamID,
          state: 'PUBLISH_REQUESTING',
          errorCode: 0,
          extendedData: JSON.stringify({ reason: 'relogin', url: data.url }),
        });
      } catch (e) {
        const err = toMiniRtcError(e);
        if (err.code === ErrorCode.SOCKET_CLOSED || err.code === ErrorCode.NETWORK_TIMEOUT) return;
        this.publishing.delete(local.streamID);
        this.setPublisherStateOf(local, 'NO_PUBLISH', err.code, err.msg);
      }
    }
  }

  private onLinkLost(code: number): void {
    for (const entry of this.rooms.values()) {
      if (entry.phase !== 'logined') continue;
      entry.phase = 'reconnecting';
      // 1002051 is ZEGO's RoomConnectTemporaryBroken ("interrupted, retrying"); the protocol table
      // calls it NETWORK_RECOVERED, but ZEGO reports it while reconnecting, and 0 once reconnected.
      this.roomEvents.roomState(entry.roomID, 'CONNECTING', 'RECONNECTING', ErrorCode.NETWORK_RECOVERED, '');
      this.logger.warn('room', 'link lost, reconnecting', { roomID: entry.roomID, code });
    }
  }

  private onResumed(): void {
    for (const entry of this.rooms.values()) {
      if (entry.phase !== 'reconnecting') continue;
      entry.phase = 'logined';
      this.roomEvents.roomState(entry.roomID, 'CONNECTED', 'RECONNECTED', 0);
    }
  }

  private onReconnectFailed(code: number): void {
    this.reloginGen++;
    for (const id of [...this.rooms.keys()]) this.dropRoom(id, 'RECONNECT_FAILED', code);
  }

  private onClosedByServer(closeCode: number): void {
    this.reloginGen++;
    // Normally a `kickout` push already removed the rooms; this covers a close without one.
    const code = closeCode === 4001 ? ErrorCode.KICKED_SAME_USER : ErrorCode.KICKED_BY_SERVER;
    for (const id of [...this.rooms.keys()]) this.dropRoom(id, 'KICKOUT', code);
  }

  /** Removes a room and its local streams and tells the app why. Closes the link after the last room. */
  private dropRoom(
    roomID: string,
    reason: 'LOGOUT' | 'KICKOUT' | 'RECONNECT_FAILED',
    code: number,
    msg = '',
  ): void {
    if (!this.rooms.delete(roomID)) return;
    for (const [id, s] of this.publishing) if (s.roomID === roomID) this.publishing.delete(id);
    for (const [id, s] of this.playing) if (s.roomID === roomID) this.playing.delete(id);
    this.roomEvents.roomState(roomID, 'DISCONNECTED', reason, code, msg);
    if (reason !== 'LOGOUT' && this.rooms.size === 0) this.conn.close();
  }

  private roomFor(roomID: string | undefined): string {
    if (roomID !== undefined) {
      checkRoomID(roomID);
      return this.requireRoom(roomID).roomID;
    }
    for (const r of this.rooms.values()) if (r.phase !== 'logining') return r.roomID;
    throw new MiniRtcError(ErrorCode.NOT_LOGGED_IN);
  }

  private requireRoom(roomID: string): RoomEntry {
    const r = this.rooms.get(roomID);
    if (!r || r.phase === 'logining') throw new MiniRtcError(ErrorCode.NOT_LOGGED_IN);
    return r;
  }

  private async serverCall(fn: () => Promise<Partial<ZegoServerResponse>>): Promise<ZegoServerResponse> {
    try {
      return { errorCode: 0, ...(await fn()) };
    } catch (e) {
      const err = toMiniRtcError(e, ErrorCode.MESSAGE_SEND_FAILED);
      return { errorCode: err.code, extendedData: err.msg };
    }
  }

  private setPublisherState(streamID: string, state: ZegoPublisherState, code: number, ext: string): void {
    const local = this.publishing.get(streamID);
    if (local) this.setPublisherStateOf(local, state, code, ext);
    else this.emitter.emit('publisherStateUpdate', { streamID, state, errorCode: code, extendedData: ext });
  }

  private setPublisherStateOf(
    local: LocalPublish,
    state: ZegoPublisherState,
    code: number,
    ext: string,
  ): void {
    if (local.state === state && code === 0) return; // no change, nothing to tell
    local.state = state;
    this.emitter.emit('publisherStateUpdate', {
      streamID: local.streamID,
      state,
      errorCode: code,
      extendedData: ext,
    });
  }

  private setPlayerState(streamID: string, state: ZegoPlayerState, code: number, ext: string): void {
    const local = this.playing.get(streamID);
    if (local) this.setPlayerStateOf(local, state, code, ext);
    else this.emitter.emit('playerStateUpdate', { streamID, state, errorCode: code, extendedData: ext });
  }

  private setPlayerStateOf(local: LocalPlay, state: ZegoPlayerState, code: number, ext: string): void {
    if (local.state === state && code === 0) return;
    local.state = state;
    this.emitter.emit('playerStateUpdate', {
      streamID: local.streamID,
      state,
      errorCode: code,
      extendedData: ext,
    });
  }

  /** For diagnostics and tests: the logger (remote batching) of this engine. */
  get log(): Logger & { flush(): Promise<void> } {
    return this.logger;
  }
}

import { ErrorCode, MiniRtcError, checkAppID, errorMessage } from '@minirtc/protocol/lite';
import type { StreamUrlResult } from '@minirtc/protocol/lite';
import type { BackoffOptions } from './backoff.js';
import type { ReconnectPolicy } from './reconnect-policy.js';
import { Connection } from './connection.js';
import { isZegoEvent } from './event-names.js';
import { LocalStreams, nextUrl, urlList } from './local-streams.js';
import type { LocalPlay, LocalPublish } from './local-streams.js';
import type { Logger } from './logger.js';
import type { Platform } from './platform.js';
import { detectPlatform } from './platform.js';
import { ruleForRtmpCode, rtmpEventCode } from './player-state-table.js';
import { qualityFromNetStatus } from './quality.js';
import { RemoteLogger, defaultLogURL } from './remote-logger.js';
import { RoomManager } from './room-manager.js';
import { TypedEmitter } from '@minirtc/protocol/lite';
import type {
  RtcRoomEvent,
  ZegoEvents,
  ZegoLogConfig,
  ZegoPlayOption,
  ZegoPublishOption,
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
  checkUserIDList,
  toMiniRtcError,
} from './validate.js';
import { SDK_VERSION } from './version.js';

/**
 * MiniRTC's own options (a third constructor argument ZEGO apps never pass): the platform adapter and
 * timings, mainly for tests and tuning.
 */
export interface EngineOptions {
  /** The runtime adapter; default: the first registered one whose runtime is present. */
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
  /** Reconnect delays (default 0, 500 ms, 1 s, 2 s … ≤ 8 s, ±30 % jitter). */
  backoff?: Partial<BackoffOptions>;
  /** When to retry after a drop and when to give up (default: backoff within the reconnect window). */
  reconnectPolicy?: ReconnectPolicy;
  /** Initial log configuration (also settable with `setLogConfig`). */
  log?: ZegoLogConfig;
}

/**
 * The ZEGO Express-compatible engine: `new ZegoExpressEngine(appID, server)`, then `on(...)`,
 * `loginRoom(...)`, publish/play and messages. Platform-neutral; the adapter is chosen at construction.
 * Rooms live in {@link RoomManager}, own streams in {@link LocalStreams}, the link in {@link Connection}.
 */
export class ZegoExpressEngine {
  private readonly emitter = new TypedEmitter<ZegoEvents>();
  private readonly platform: Platform;
  private readonly logger: RemoteLogger;
  private readonly conn: Connection;
  private readonly streams: LocalStreams;
  private readonly rooms: RoomManager;

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
      reconnectPolicy: options.reconnectPolicy,
    });
    // A field report is useless without the device: one `report` entry (sent at any remote level but
    // `disable`, never printed locally) names it.
    this.logger.log('report', 'sdk', `device ${platform.name}`, {
      sdkVersion: SDK_VERSION,
      ...platform.systemInfo(),
    });
    this.streams = new LocalStreams(this.emitter);
    this.rooms = new RoomManager({
      appID,
      conn: this.conn,
      emitter: this.emitter,
      logger: this.logger,
      streams: this.streams,
      sdk: { version: SDK_VERSION, platform: platform.name },
      loginTimeoutMs: options.loginTimeoutMs ?? 15_000,
    });
  }

  // ------------------------------------------------------------------ engine

  /** The SDK version. */
  getVersion(): string {
    return SDK_VERSION;
  }

  /** Registers an event callback; false (and a warning) for an event the engine never fires. */
  on<K extends keyof ZegoEvents>(event: K, callback: ZegoEvents[K]): boolean {
    if (typeof callback !== 'function') return false;
    if (!isZegoEvent(event)) {
      this.logger.warn('engine', `on('${String(event)}'): no such event, the callback would never run`);
      return false;
    }
    this.emitter.on(event, callback);
    return true;
  }

  /** Removes one callback, or all callbacks of `event`. */
  off<K extends keyof ZegoEvents>(event: K, callback?: ZegoEvents[K]): boolean {
    const had =
      callback === undefined
        ? this.emitter.listenerCount(event) > 0
        : this.emitter.hasListener(event, callback);
    this.emitter.off(event, callback);
    return had;
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

  /** Whether this runtime can do real-time media: `code` 0 when fine, and `msg` saying why not (ZEGO's shape). */
  async checkSystemRequirements(): Promise<{ code: number; msg: string; [k: string]: unknown }> {
    const r = await this.platform.checkRequirements();
    return { ...r, code: r.code, msg: r.code === 0 ? '' : errorMessage(r.code) };
  }

  /** Allows logging in to several rooms (same userID). Only before the first login. */
  enableMultiRoom(enable: boolean): boolean {
    return this.rooms.enableMultiRoom(enable);
  }

  /** Logs out of every room, closes the link and flushes logs. */
  destroyEngine(): void {
    this.rooms.logoutAll();
    this.conn.close();
    this.logger.dispose();
  }

  // ------------------------------------------------------------------ rooms

  /** Logs in to a room (creating it); resolves true or rejects with `{ code, msg }`. */
  loginRoom(roomID: string, token: string, user: ZegoUserInput, config?: ZegoRoomConfig): Promise<boolean> {
    return this.rooms.login(roomID, token, user, config);
  }

  /** Logs out of `roomID` (default: the first room). Never rejects. */
  logoutRoom(roomID?: string): Promise<void> {
    return this.rooms.logout(roomID);
  }

  /** Replaces the token of a room (token first, as ZEGO has it). */
  renewToken(token: string, roomID?: string): boolean {
    return this.rooms.renewToken(token, roomID);
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
      roomID = this.rooms.roomFor(opt.roomID);
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
    this.streams.publishing.set(streamID, local);
    this.emitter.emit('publisherStateUpdate', {
      streamID,
      state: 'PUBLISH_REQUESTING',
      errorCode: 0,
      extendedData: '',
    });
    return this.grantUrl(
      local,
      this.streams.publishing,
      { type: 'publish', roomID, streamID, extraInfo: opt.extraInfo, streamParams: opt.streamParams },
      (code, msg) => this.streams.publisherState(local, 'NO_PUBLISH', code, msg),
    );
  }

  /** Stops publishing: the room gets DELETE, the gateway drops the media. */
  stopPublishingStream(streamID: string): boolean {
    const local = this.streams.publishing.get(streamID);
    if (!local) return false;
    this.streams.publishing.delete(streamID);
    this.streams.publisherState(local, 'NO_PUBLISH', 0, '');
    this.tellServer({ type: 'stopPublish', roomID: local.roomID, streamID });
    return true;
  }

  /** Asks for a signed RTMP pull URL for `<rtc-room>` `extraInfo.rtmpPullUrl`. */
  async startPlayingStream(streamID: string, playOption: ZegoPlayOption = {}): Promise<ZegoStreamUrlResult> {
    const opt = typeof playOption === 'object' && playOption !== null ? playOption : {};
    let roomID: string;
    try {
      checkStreamID(streamID);
      roomID = this.rooms.holderOf(streamID) ?? this.rooms.roomFor(undefined);
    } catch (e) {
      throw toMiniRtcError(e, ErrorCode.INVALID_PARAM);
    }
    const local: LocalPlay = { streamID, roomID, state: 'PLAY_REQUESTING', urls: [], urlIndex: 0 };
    this.streams.playing.set(streamID, local);
    this.emitter.emit('playerStateUpdate', {
      streamID,
      state: 'PLAY_REQUESTING',
      errorCode: 0,
      extendedData: '',
    });
    return this.grantUrl(
      local,
      this.streams.playing,
      { type: 'play', roomID, streamID, streamParams: opt.streamParams },
      (code, msg) => this.streams.playerState(local, 'NO_PLAY', code, msg),
    );
  }

  /**
   * Asks signaling for the signed URL of a publish/play. On failure the stream is forgotten (unless a
   * newer call replaced it meanwhile) and its state reset through `failed`.
   */
  private async grantUrl<L extends LocalPublish | LocalPlay>(
    local: L,
    registry: Map<string, L>,
    request: Parameters<Connection['request']>[0],
    failed: (code: number, msg: string) => void,
  ): Promise<ZegoStreamUrlResult> {
    try {
      const data = await this.conn.request<StreamUrlResult>(request);
      local.urls = urlList(data.url, data.urls);
      local.urlIndex = 0;
      return { streamID: local.streamID, url: data.url };
    } catch (e) {
      const err = toMiniRtcError(e);
      if (registry.get(local.streamID) === local) {
        registry.delete(local.streamID);
        failed(err.code, err.msg);
      }
      throw err;
    }
  }

  /** Stops playing a stream. */
  stopPlayingStream(streamID: string): void {
    const local = this.streams.playing.get(streamID);
    if (!local) return;
    this.streams.playing.delete(streamID);
    this.streams.playerState(local, 'NO_PLAY', 0, '');
    this.tellServer({ type: 'stopPlay', roomID: local.roomID, streamID });
  }

  /**
   * Feeds a `<rtc-room>` `onRtmpEvent` event in: the code table turns it into publisher/player state
   * events, and the code is reported to the server for the call timeline.
   */
  updatePlayerState(streamID: string, event: RtcRoomEvent): void {
    const code = rtmpEventCode(event);
    const rule = ruleForRtmpCode(code);
    const message = typeof event?.detail?.message === 'string' ? event.detail.message : '';
    const roomID = this.streams.get(streamID)?.roomID ?? this.rooms.rooms.keys().next().value;
    if (!rule) {
      this.logger.info('media', 'rtmp event not in the table', { streamID, code });
    } else if (rule.kind === 'publish') {
      this.streams.publisherStateByID(streamID, rule.state, rule.errorCode, message, true);
    } else {
      this.streams.playerStateByID(streamID, rule.state, rule.errorCode, message, true);
    }
    if (code !== undefined && roomID !== undefined && this.conn.ready) {
      try {
        checkStreamID(streamID);
        this.conn.notify({
          type: 'mediaState',
          roomID,
          streamID,
          kind: rule?.kind ?? (this.streams.publishing.has(streamID) ? 'publish' : 'play'),
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
    if (this.streams.publishing.has(streamID)) this.emitter.emit('publishQualityUpdate', streamID, stats);
    else this.emitter.emit('playQualityUpdate', streamID, stats);
  }

  /** The next URL to try for a stream after a failure ('' when the stream is unknown). */
  getNextUrl(streamID: string): string {
    return nextUrl(this.streams.get(streamID));
  }

  /** Sets the extra info of a stream this engine publishes. */
  setStreamExtraInfo(streamID: string, extraInfo: string): Promise<ZegoServerResponse> {
    return this.serverCall(async () => {
      checkStreamID(streamID);
      checkStreamExtraInfo(extraInfo);
      const local = this.streams.publishing.get(streamID);
      const roomID = local?.roomID ?? this.rooms.roomFor(undefined);
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
      this.rooms.require(roomID);
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
      this.rooms.require(roomID);
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
      this.rooms.require(roomID);
      await this.conn.request({ type: 'customCommand', roomID, command, toUserIDs });
      return {};
    });
  }

  /**
   * ZEGO's reliable message (the latest `data` per `type`, seen by late joiners too), which ZEGO
   * replaced with room extra info: sent as the room extra info `type` = `data` of `roomID` (default:
   * the first room). Others receive `recvReliableMessage` and `roomExtraInfoUpdate`.
   */
  sendReliableMessage(type: string, data: string, roomID?: string): Promise<ZegoServerResponse> {
    let room: string;
    try {
      room = this.rooms.roomFor(roomID);
    } catch (e) {
      const err = toMiniRtcError(e, ErrorCode.NOT_LOGGED_IN);
      return Promise.resolve({ errorCode: err.code, extendedData: err.msg });
    }
    return this.setRoomExtraInfo(room, type, data);
  }

  /** Sets one room extra info key (key ≤ 10 B, value ≤ 128 B). */
  setRoomExtraInfo(roomID: string, key: string, value: string): Promise<ZegoServerResponse> {
    return this.serverCall(async () => {
      checkRoomID(roomID);
      checkRoomExtraInfo(key, value);
      this.rooms.require(roomID);
      await this.conn.request({ type: 'setRoomExtraInfo', roomID, key, value });
      return {};
    });
  }

  // ------------------------------------------------------------------ internals

  /**
   * A request whose answer nobody waits for (stops). While reconnecting it waits for the link (the
   * server still holds the stream after a resume); with no link at all there is nothing to stop.
   */
  private tellServer(msg: { type: string; [k: string]: unknown }): void {
    if (this.conn.connectionState === 'idle') return;
    this.conn.request(msg).catch((e: unknown) => {
      this.logger.info('stream', `${msg.type} failed`, toMiniRtcError(e).code);
    });
  }

  private async serverCall(fn: () => Promise<Partial<ZegoServerResponse>>): Promise<ZegoServerResponse> {
    try {
      return { errorCode: 0, ...(await fn()) };
    } catch (e) {
      const err = toMiniRtcError(e, ErrorCode.MESSAGE_SEND_FAILED);
      return { errorCode: err.code, extendedData: err.msg };
    }
  }

  /** For diagnostics and tests: the logger (remote batching) of this engine. */
  get log(): Logger & { flush(): Promise<void> } {
    return this.logger;
  }
}

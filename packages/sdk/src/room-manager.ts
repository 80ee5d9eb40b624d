import { ErrorCode, Limits, MiniRtcError } from '@minirtc/protocol/lite';
import type { LoginResult, PushMessage } from '@minirtc/protocol/lite';
import type { Connection } from './connection.js';
import type { LocalStreams } from './local-streams.js';
import type { RemoteLogger } from './remote-logger.js';
import { RoomEvents } from './room-events.js';
import type { RoomEntry } from './room-events.js';
import { RoomState } from './room-state.js';
import type { TypedEmitter } from '@minirtc/protocol/lite';
import type { ZegoEvents, ZegoRoomConfig, ZegoUserInput } from './types.js';
import { checkRoomID, checkToken, checkUser, toMiniRtcError } from './validate.js';

/** What the room manager needs from the engine. */
export interface RoomManagerDeps {
  appID: number;
  conn: Connection;
  emitter: TypedEmitter<ZegoEvents>;
  logger: RemoteLogger;
  streams: LocalStreams;
  /** Sent with every login (diagnostics on the server). */
  sdk: { version: string; platform: string };
  loginTimeoutMs: number;
}

/**
 * The rooms this engine is in and their lifecycle: login, logout, token renewal, and what a link
 * loss means for each room (RECONNECTING → resumed, or a full re-login turned into diffs, or given up).
 */
export class RoomManager {
  /** Rooms by roomID, in login order. */
  readonly rooms = new Map<string, RoomEntry>();
  private readonly events: RoomEvents;
  private multiRoom = false;
  /** Bumped whenever a re-login round becomes obsolete (a newer one, kick, give-up). */
  private reloginGen = 0;

  constructor(private readonly d: RoomManagerDeps) {
    this.events = new RoomEvents(d.emitter, d.logger, {
      // The gateway's reports only concern streams this engine still holds.
      setPublisherState: (id, st, code, ext) => d.streams.publisherStateByID(id, st, code, ext, false),
      setPlayerState: (id, st, code, ext) => d.streams.playerStateByID(id, st, code, ext, false),
      roomKicked: (roomID, code, msg) => this.drop(roomID, 'KICKOUT', code, msg),
    });
    d.conn.on('push', (m: PushMessage) => this.events.onPush(this.rooms, m));
    d.conn.on('lost', (code: number) => this.onLinkLost(code));
    d.conn.on('resumed', () => this.onResumed());
    d.conn.on('sessionExpired', () => void this.relogin());
    d.conn.on('failed', (code: number) => this.giveUp('RECONNECT_FAILED', code));
    d.conn.on('closedByServer', (closeCode: number) =>
      // Normally a `kickout` push already removed the rooms; this covers a close without one.
      this.giveUp('KICKOUT', closeCode === 4001 ? ErrorCode.KICKED_SAME_USER : ErrorCode.KICKED_BY_SERVER),
    );
  }

  /** `enableMultiRoom`: only before the first login. */
  enableMultiRoom(enable: boolean): boolean {
    if (this.rooms.size > 0) return false;
    this.multiRoom = !!enable;
    return true;
  }

  /** `loginRoom`: validates, connects if needed, logs in; resolves true or rejects `{ code, msg }`. */
  async login(roomID: string, token: string, user: ZegoUserInput, config?: ZegoRoomConfig): Promise<boolean> {
    const entry = this.newEntry(roomID, token, user, config);
    const { conn } = this.d;
    this.rooms.set(roomID, entry);
    this.d.logger.setContext({ userID: entry.user.userID });
    this.events.roomState(roomID, 'CONNECTING', 'LOGINING', 0);
    try {
      await conn.open(this.d.loginTimeoutMs);
      if (this.rooms.get(roomID) !== entry)
        throw new MiniRtcError(ErrorCode.LOGIN_TIMEOUT, 'login cancelled');
      await conn.request<LoginResult>(this.loginMessage(entry), {
        timeoutMs: this.d.loginTimeoutMs,
        onData: (data) => this.install(entry, data, false),
      });
      return true;
    } catch (e) {
      let err = toMiniRtcError(e);
      if (err.code === ErrorCode.NETWORK_TIMEOUT) err = new MiniRtcError(ErrorCode.LOGIN_TIMEOUT);
      if (this.rooms.get(roomID) === entry) {
        this.rooms.delete(roomID);
        this.events.roomState(roomID, 'DISCONNECTED', 'LOGIN_FAILED', err.code, err.msg);
        if (this.rooms.size === 0) conn.close();
      }
      throw err;
    }
  }

  /** `logoutRoom`: never rejects; the link closes after the last room. */
  async logout(roomID?: string): Promise<void> {
    const id = roomID ?? this.rooms.keys().next().value;
    if (id === undefined || !this.rooms.has(id)) return;
    const { conn } = this.d;
    const wasReady = conn.ready;
    this.drop(id, 'LOGOUT', 0);
    const request = conn.request({ type: 'logout', roomID: id }, { timeoutMs: 3000 }).catch((e: unknown) => {
      this.d.logger.info('room', 'logout request failed', toMiniRtcError(e).code);
    });
    // With the link up, wait for the answer before closing it. While reconnecting, the request waits
    // for the link if other rooms keep it alive; after the last room the link is closed at once and
    // the server ends the session when its resume grace runs out.
    if (wasReady) await request;
    if (this.rooms.size === 0) conn.close();
  }

  /** `renewToken(token, roomID?)`: stored for re-logins and sent to the server. */
  renewToken(token: string, roomID?: string): boolean {
    try {
      checkToken(token);
    } catch {
      return false;
    }
    const entry = roomID === undefined ? this.rooms.values().next().value : this.rooms.get(roomID);
    if (!entry) return false;
    entry.token = token;
    this.d.conn.request({ type: 'renewToken', roomID: entry.roomID, token }).catch((e: unknown) => {
      this.d.logger.warn('room', 'renewToken failed', toMiniRtcError(e).code);
    });
    return true;
  }

  /** The room to act in: the given one (must be logged in) or the first logged-in room. */
  roomFor(roomID: string | undefined): string {
    if (roomID !== undefined) {
      checkRoomID(roomID);
      return this.require(roomID).roomID;
    }
    for (const r of this.rooms.values()) if (r.phase !== 'logining') return r.roomID;
    throw new MiniRtcError(ErrorCode.NOT_LOGGED_IN);
  }

  /** The entry of a logged-in room, else 1000002. */
  require(roomID: string): RoomEntry {
    const r = this.rooms.get(roomID);
    if (!r || r.phase === 'logining') throw new MiniRtcError(ErrorCode.NOT_LOGGED_IN);
    return r;
  }

  /** The room whose stream list holds `streamID`, if any. */
  holderOf(streamID: string): string | undefined {
    for (const r of this.rooms.values()) if (r.state.streams.has(streamID)) return r.roomID;
    return undefined;
  }

  /** Leaves every room (engine destroyed). */
  logoutAll(): void {
    for (const id of [...this.rooms.keys()]) void this.logout(id);
  }

  // ------------------------------------------------------------------ internals

  private newEntry(roomID: string, token: string, user: ZegoUserInput, config?: ZegoRoomConfig): RoomEntry {
    try {
      checkRoomID(roomID);
      checkToken(token);
      const u = checkUser(user);
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
      return {
        roomID,
        token,
        user: u,
        config: { userUpdate: config?.userUpdate === true, maxMemberCount: config?.maxMemberCount ?? 0 },
        phase: 'logining',
        state: new RoomState(roomID, u.userID),
      };
    } catch (e) {
      throw toMiniRtcError(e, ErrorCode.INVALID_PARAM);
    }
  }

  private loginMessage(entry: RoomEntry): { type: string; [k: string]: unknown } {
    return {
      type: 'login',
      appID: this.d.appID,
      roomID: entry.roomID,
      token: entry.token,
      user: entry.user,
      config: { userUpdate: entry.config.userUpdate, maxMemberCount: entry.config.maxMemberCount },
      sdk: this.d.sdk,
    };
  }

  /** Runs synchronously with the login reply: session, snapshot, state events, initial lists or diffs. */
  private install(entry: RoomEntry, data: LoginResult, relogin: boolean): void {
    if (this.rooms.get(entry.roomID) !== entry) return;
    this.d.conn.setSession({
      sessionID: data.sessionID,
      resumeKey: data.resumeKey,
      seq: data.seq,
      heartbeatMs: data.heartbeatMs,
      resumeGraceMs: data.resumeGraceMs,
    });
    this.d.logger.setContext({ sessionID: data.sessionID });
    this.d.logger.setLogToken(data.logToken);
    const before = entry.state;
    const after = new RoomState(entry.roomID, entry.user.userID);
    after.load(data.room);
    entry.state = after;
    entry.phase = 'logined';
    entry.sessionID = data.sessionID;
    this.events.roomState(entry.roomID, 'CONNECTED', relogin ? 'RECONNECTED' : 'LOGINED', 0);
    this.events.emitDiff(entry, before, after);
  }

  /** The server forgot the session: log in to each room again, then ask for fresh push URLs. */
  private async relogin(): Promise<void> {
    const gen = ++this.reloginGen;
    const current = () => gen === this.reloginGen;
    for (const entry of [...this.rooms.values()]) {
      if (!current() || this.rooms.get(entry.roomID) !== entry) continue;
      // Already joined in the session the link has now (an earlier, interrupted round got this far).
      if (entry.sessionID !== undefined && entry.sessionID === this.d.conn.sessionInfo?.sessionID) {
        this.resumedRoom(entry);
        continue;
      }
      try {
        await this.d.conn.request<LoginResult>(this.loginMessage(entry), {
          immediate: true,
          timeoutMs: this.d.loginTimeoutMs,
          onData: (data) => this.install(entry, data, true),
        });
      } catch (e) {
        const err = toMiniRtcError(e);
        if (!current()) return;
        // A link failure: the connection retries and asks for another re-login round.
        if (err.code === ErrorCode.SOCKET_CLOSED || err.code === ErrorCode.NETWORK_TIMEOUT) return;
        this.d.logger.warn('room', 're-login refused', { roomID: entry.roomID, code: err.code });
        this.drop(entry.roomID, 'RECONNECT_FAILED', err.code, err.msg);
      }
    }
    if (!current()) return;
    if (this.rooms.size === 0) {
      this.d.conn.close();
      return;
    }
    await this.d.streams.regrant(this.d.conn, current);
    if (current()) this.d.conn.reloginDone();
  }

  private onLinkLost(code: number): void {
    for (const entry of this.rooms.values()) {
      if (entry.phase !== 'logined') continue;
      entry.phase = 'reconnecting';
      // ZEGO reports 1002051 while reconnecting, and 0 once reconnected.
      this.events.roomState(
        entry.roomID,
        'CONNECTING',
        'RECONNECTING',
        ErrorCode.CONNECT_TEMPORARILY_BROKEN,
        '',
      );
      this.d.logger.warn('room', 'link lost, reconnecting', { roomID: entry.roomID, code });
    }
  }

  private onResumed(): void {
    const sessionID = this.d.conn.sessionInfo?.sessionID;
    let stale = false;
    for (const entry of this.rooms.values()) {
      if (entry.sessionID === sessionID) this.resumedRoom(entry);
      else stale = true;
    }
    // A re-login round was cut short: the resumed session is the new one, but some rooms were never
    // joined in it. Finish the job for those.
    if (stale) void this.relogin();
  }

  private resumedRoom(entry: RoomEntry): void {
    if (entry.phase !== 'reconnecting') return;
    entry.phase = 'logined';
    this.events.roomState(entry.roomID, 'CONNECTED', 'RECONNECTED', 0);
  }

  private giveUp(reason: 'RECONNECT_FAILED' | 'KICKOUT', code: number): void {
    this.reloginGen++;
    for (const id of [...this.rooms.keys()]) this.drop(id, reason, code);
  }

  /** Removes a room and its local streams and tells the app why. Closes the link after the last room. */
  private drop(
    roomID: string,
    reason: 'LOGOUT' | 'KICKOUT' | 'RECONNECT_FAILED',
    code: number,
    msg = '',
  ): void {
    if (!this.rooms.delete(roomID)) return;
    this.d.streams.dropRoom(roomID);
    this.events.roomState(roomID, 'DISCONNECTED', reason, code, msg);
    if (reason !== 'LOGOUT' && this.rooms.size === 0) this.d.conn.close();
  }
}

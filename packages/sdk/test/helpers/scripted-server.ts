import type { RoomSnapshot, WireStream, WireUser } from '@minirtc/protocol';
import type { FakePlatform, FakeSocket } from './fake-platform.js';

/** A stream in the ZEGO shape. */
export function stream(streamID: string, user: WireUser): WireStream {
  return {
    streamID,
    user,
    extraInfo: '',
    urlsFLV: '',
    urlsRTMP: '',
    urlsHLS: '',
    urlsHttpsFLV: '',
    urlsHttpsHLS: '',
  };
}

/**
 * A scripted in-memory server on a {@link FakePlatform}: enough protocol to drive the engine's state
 * machine deterministically (login, resume, pushes, ping). The real server is tested in integration.
 */
export class ScriptedServer {
  /** Servers (URLs) that accept connections. */
  up = new Set<string>();
  /** Reply to `resume` with 0 (true) or 1990030. */
  acceptResume = true;
  /** Reply to `ping` with `pong`. */
  answerPings = true;
  /** A login to one of these rooms kills the socket instead of answering (once per entry). */
  dropOnLogin = new Set<string>();
  /** Called when a login was dropped (tests change the script at that point). */
  onLoginDropped: () => void = () => {};
  /** Login reply code per roomID (default 0). */
  loginCode = new Map<string, number>();
  /** What a login to a room sees. */
  rooms = new Map<string, RoomSnapshot>();
  heartbeatMs = 1000;
  resumeGraceMs = 5000;
  private sessionN = 0;
  seq = 0;
  /** Pushes sent so far on the current session (for resume replay). */
  log: Record<string, unknown>[] = [];
  sockets: FakeSocket[] = [];

  constructor(readonly platform: FakePlatform) {
    platform.onConnect = (s) => this.attach(s);
  }

  /** The latest open socket. */
  get socket(): FakeSocket {
    const s = this.sockets[this.sockets.length - 1];
    if (!s) throw new Error('no server socket');
    return s;
  }

  snapshot(roomID: string): RoomSnapshot {
    return (
      this.rooms.get(roomID) ?? { roomID, roomSeq: 1, users: [], streams: [], extraInfo: [], onlineCount: 1 }
    );
  }

  private attach(s: FakeSocket): void {
    queueMicrotask(() => {
      if (!this.up.has(s.url)) {
        s.serverClose(1006, 'refused');
        return;
      }
      this.sockets.push(s);
      s.onSend = (m) => this.onMessage(s, m);
      s.open();
      s.receive({ type: 'hello', protocol: 1, serverTime: 0, maxFrameBytes: 16384 });
    });
  }

  private reply(s: FakeSocket, m: Record<string, unknown>, code: number, data?: unknown): void {
    queueMicrotask(() => s.receive({ type: 'res', reqId: m.reqId, code, data }));
  }

  private onMessage(s: FakeSocket, m: Record<string, unknown>): unknown {
    switch (m.type) {
      case 'login': {
        const roomID = m.roomID as string;
        if (this.dropOnLogin.delete(roomID)) {
          this.onLoginDropped();
          queueMicrotask(() => s.serverClose(1006, 'dropped during login'));
          return;
        }
        const code = this.loginCode.get(roomID) ?? 0;
        if (code) return this.reply(s, m, code);
        if (this.sessionN === 0 || (s as { session?: boolean }).session !== true) {
          // first login on this socket opens a new session
          this.sessionN++;
          this.seq = 0;
          this.log = [];
          (s as { session?: boolean }).session = true;
        }
        return this.reply(s, m, 0, {
          sessionID: `sess${this.sessionN}`,
          resumeKey: 'key',
          seq: this.seq,
          room: this.snapshot(roomID),
          tokenExpire: 0,
          serverTime: 0,
          heartbeatMs: this.heartbeatMs,
          resumeGraceMs: this.resumeGraceMs,
        });
      }
      case 'resume': {
        if (!this.acceptResume) return this.reply(s, m, 1990030);
        (s as { session?: boolean }).session = true;
        this.reply(s, m, 0);
        const from = m.lastSeq as number;
        queueMicrotask(() => {
          for (const p of this.log) if ((p.seq as number) > from) s.receive(p);
        });
        return;
      }
      case 'ping':
        if (this.answerPings) queueMicrotask(() => s.receive({ type: 'pong', serverTime: 0 }));
        return;
      case 'mediaState':
        return;
      case 'publish':
      case 'play':
        return this.reply(s, m, 0, {
          streamID: m.streamID,
          url: `rtmp://media/live/${m.streamID}?sess=${this.sessionN}`,
          urls: [`rtmp://media2/live/${m.streamID}?sess=${this.sessionN}`],
        });
      default:
        return this.reply(s, m, 0, {});
    }
  }

  /** Sends a push on the current session (kept for resume replay). */
  push(
    body: Record<string, unknown>,
    to: FakeSocket | undefined = this.sockets[this.sockets.length - 1],
  ): void {
    const p = { ...body, seq: ++this.seq };
    this.log.push(p);
    if (to && !to.closed) to.receive(p);
  }
}

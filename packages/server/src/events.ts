/**
 * Events of {@link MiniRtcServer}, for metrics, webhooks and tests. Payloads are plain objects so they
 * can be forwarded as JSON as they are.
 */
export interface ServerEvents {
  /** A user joined a room (also after a silent replacement, with `replaced: true`). */
  login: [e: { appID: number; roomID: string; userID: string; sessionID: string; replaced: boolean }];
  /** A user left a room: `reason` is logout, kick, expired, grace, replaced, closed, shutdown. */
  logout: [e: { appID: number; roomID: string; userID: string; sessionID: string; reason: string }];
  /** A session was kicked from a room with `code`. */
  kick: [e: { appID: number; roomID: string; userID: string; code: number }];
  /** The gateway reported a stream's media live; it is now in the room's list. */
  streamLive: [e: { appID: number; roomID: string; streamID: string; userID: string }];
  /** A live stream's media went away. */
  streamGone: [e: { appID: number; roomID: string; streamID: string; userID: string; reason: string }];
  /** A stream's reservation ended (stopPublish, logout, kick, closeRoom), live or not: it cannot come back. */
  streamReleased: [e: { appID: number; roomID: string; streamID: string; userID: string; reason: string }];
  roomCreated: [e: { appID: number; roomID: string }];
  /** A WebSocket was accepted; `address` is the client's (from a trusted proxy's X-Forwarded-For). */
  connection: [e: { address: string; peer: string }];
  /** The TLS certificate files were read again (SIGHUP or a file change); `ok` false: old pair kept. */
  tlsReload: [e: { ok: boolean; reason: 'signal' | 'file' }];
  roomClosed: [e: { appID: number; roomID: string }];
  /** A socket dropped; the session is held for resume. */
  sessionDetached: [e: { appID: number; userID: string; sessionID: string }];
  /** A session resumed on a new socket within its grace window. */
  sessionResumed: [e: { appID: number; userID: string; sessionID: string; replayed: number }];
  /** `<rtc-room>` state reported by a client (`mediaState`), for the call timeline. */
  mediaState: [
    e: {
      appID: number;
      roomID: string;
      userID: string;
      streamID: string;
      kind: string;
      code: number;
      state: string;
    },
  ];
  /**
   * A client request was answered (`code` 0 = success), with how long the server took: the source of
   * request metrics, login latency and the timeline's publish/play requests. Not emitted for `ping`.
   */
  request: [
    e: {
      appID: number;
      userID: string;
      type: string;
      roomID?: string;
      streamID?: string;
      code: number;
      ms: number;
      /** Source address of the request (failed logins are aggregated by it). */
      source?: string;
      /** Precise reason of a refusal the reply does not tell (token checks): log and timeline only. */
      reason?: string;
    },
  ];
  /** A webhook delivery attempt finished (`ok`: answered 2xx; `final`: delivered or given up). */
  webhookAttempt: [
    e: {
      id: string;
      event: string;
      appID: number;
      roomKey: string;
      attempt: number;
      ok: boolean;
      final: boolean;
      status: number | null;
      error: string | null;
    },
  ];
  /** A media gateway event reported through {@link MiniRtcServer.reportMedia} (publish/play start/stop). */
  media: [e: MediaEvent];
  /** Unexpected failures (a handler threw, a socket errored). Emitted only when someone listens. */
  error: [err: Error];
}

/** Emits one server event (the {@link Signaling} core does not hold the emitter itself). */
export type Emit = <K extends keyof ServerEvents>(name: K, ...args: ServerEvents[K]) => void;

/** What a media gateway saw happen, for the timeline and metrics. */
export interface MediaEvent {
  appID: number;
  streamID: string;
  kind: 'publishStart' | 'publishStop' | 'playStart' | 'playStop';
  roomID?: string;
  /** The publisher, or the player for play events. */
  userID?: string;
  reason?: string;
  /** `rtmp` / `http-flv`, when known. */
  protocol?: string;
}

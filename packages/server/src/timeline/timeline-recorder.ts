import type { EventEmitter } from 'node:events';
import type { ServerEvents } from '../events.js';
import type { Logger } from '../logger.js';
import type { AttemptReport } from '../webhooks/dispatcher.js';
import { LoginFailureAggregator } from '../security/login-failures.js';
import type { Timeline, TimelineInput } from './timeline-store.js';

/** Request types worth a timeline entry (the rest — broadcast, extra info — would drown the call's story). */
const TRACKED_REQUESTS = new Set([
  'login',
  'logout',
  'publish',
  'stopPublish',
  'play',
  'stopPlay',
  'renewToken',
  'resume',
]);

/**
 * Writes the call timeline from server events: signaling (login, logout, kick, requests, stream
 * live/gone), the `<rtc-room>` states clients report, gateway media events and webhook deliveries.
 * A failing write is logged and dropped: the timeline must never break a call.
 */
export class TimelineRecorder {
  readonly #failures: LoginFailureAggregator;

  constructor(
    private readonly store: Timeline,
    private readonly log: Logger,
    /** Requests naming an unknown AppID are not recorded: anyone can send those, and they would crowd out real calls. */
    private readonly knownApp: (appID: number) => boolean = () => true,
  ) {
    this.#failures = new LoginFailureAggregator(store);
  }

  /** Subscribes to a server's events. */
  attach(server: EventEmitter<ServerEvents>): void {
    server.on('login', (e) =>
      this.#put({
        appID: e.appID,
        roomID: e.roomID,
        userID: e.userID,
        type: 'login',
        detail: { sessionID: e.sessionID, replaced: e.replaced },
      }),
    );
    server.on('logout', (e) =>
      this.#put({
        appID: e.appID,
        roomID: e.roomID,
        userID: e.userID,
        type: 'logout',
        detail: { sessionID: e.sessionID, reason: e.reason },
      }),
    );
    server.on('kick', (e) =>
      this.#put({
        appID: e.appID,
        roomID: e.roomID,
        userID: e.userID,
        type: 'kick',
        detail: { code: e.code },
      }),
    );
    server.on('roomCreated', (e) => this.#put({ appID: e.appID, roomID: e.roomID, type: 'room.create' }));
    server.on('roomClosed', (e) => this.#put({ appID: e.appID, roomID: e.roomID, type: 'room.close' }));
    server.on('streamLive', (e) =>
      this.#put({
        appID: e.appID,
        roomID: e.roomID,
        userID: e.userID,
        streamID: e.streamID,
        type: 'stream.live',
      }),
    );
    server.on('streamGone', (e) =>
      this.#put({
        appID: e.appID,
        roomID: e.roomID,
        userID: e.userID,
        streamID: e.streamID,
        type: 'stream.gone',
        detail: { reason: e.reason },
      }),
    );
    server.on('sessionDetached', (e) =>
      this.#put({
        appID: e.appID,
        userID: e.userID,
        type: 'session.detached',
        detail: { sessionID: e.sessionID },
      }),
    );
    server.on('sessionResumed', (e) =>
      this.#put({
        appID: e.appID,
        userID: e.userID,
        type: 'session.resumed',
        detail: { sessionID: e.sessionID, replayed: e.replayed },
      }),
    );
    server.on('mediaState', (e) =>
      this.#put({
        appID: e.appID,
        roomID: e.roomID,
        userID: e.userID,
        streamID: e.streamID,
        type: 'sdk.mediaState',
        detail: { kind: e.kind, code: e.code, state: e.state },
      }),
    );
    server.on('media', (e) =>
      this.#put({
        appID: e.appID,
        ...(e.roomID !== undefined ? { roomID: e.roomID } : {}),
        ...(e.userID !== undefined ? { userID: e.userID } : {}),
        streamID: e.streamID,
        type: `media.${e.kind}`,
        detail: {
          ...(e.reason !== undefined ? { reason: e.reason } : {}),
          ...(e.protocol !== undefined ? { protocol: e.protocol } : {}),
        },
      }),
    );
    server.on('request', (e) => {
      if (!TRACKED_REQUESTS.has(e.type) || !this.knownApp(e.appID)) return;
      if (e.type === 'login' && e.code !== 0) {
        // Failed logins are aggregated: a row per app, source and minute, never one per attempt.
        try {
          this.#failures.add(e.appID, e.source ?? '', e.code, e.reason, e.userID);
        } catch (err) {
          this.log.warn({ err }, 'timeline write failed');
        }
        return;
      }
      this.#put({
        appID: e.appID,
        ...(e.roomID !== undefined ? { roomID: e.roomID } : {}),
        ...(e.userID ? { userID: e.userID } : {}),
        ...(e.streamID !== undefined ? { streamID: e.streamID } : {}),
        type: `request.${e.type}`,
        detail: { code: e.code, ms: Math.round(e.ms * 1000) / 1000 },
      });
    });
  }

  /** Records a webhook attempt (under the room the event belongs to). */
  webhook(a: AttemptReport): void {
    const p = a.event.payload;
    this.#put({
      appID: a.event.appID,
      ...(typeof p.room_id === 'string' ? { roomID: p.room_id } : {}),
      ...(typeof p.user_account === 'string' ? { userID: p.user_account } : {}),
      ...(typeof p.stream_id === 'string' ? { streamID: p.stream_id } : {}),
      type: 'webhook',
      detail: {
        event: a.event.event,
        id: a.event.id,
        attempt: a.event.attempts,
        ok: a.ok,
        status: a.status,
        error: a.error,
      },
    });
  }

  /** Records anything else (bitrate samples). */
  record(e: TimelineInput): void {
    this.#put(e);
  }

  #put(e: TimelineInput): void {
    try {
      this.store.record(e);
    } catch (err) {
      this.log.warn({ err, type: e.type }, 'timeline write failed');
    }
  }
}

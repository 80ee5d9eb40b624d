import { ErrorCode } from '@minirtc/protocol/lite';
import type { StreamUrlResult } from '@minirtc/protocol/lite';
import type { Connection } from './connection.js';
import type { TypedEmitter } from '@minirtc/protocol/lite';
import type { ZegoEvents, ZegoPlayerState, ZegoPublisherState } from './types.js';
import { toMiniRtcError } from './validate.js';

/** A stream this engine publishes or plays. */
export interface LocalStream<S extends string> {
  streamID: string;
  roomID: string;
  state: S;
  /** The signed URL first, then fallbacks; `getNextUrl` walks them. */
  urls: string[];
  urlIndex: number;
  /** Publish options kept to publish again after a full re-login. */
  extraInfo?: string | undefined;
  streamParams?: string | undefined;
}

/** A published stream. */
export type LocalPublish = LocalStream<ZegoPublisherState>;
/** A played stream. */
export type LocalPlay = LocalStream<ZegoPlayerState>;

/** Orders the URLs of a publish/play reply: the primary first, fallbacks after, no duplicates. */
export function urlList(primary: string, more: unknown): string[] {
  const list = [primary];
  if (Array.isArray(more))
    for (const u of more) if (typeof u === 'string' && u && list.indexOf(u) < 0) list.push(u);
  return list;
}

/** The URL after the current one (wrapping around), advancing the cursor; '' when none is known. */
export function nextUrl(s: LocalStream<string> | undefined): string {
  if (!s || s.urls.length === 0) return '';
  s.urlIndex = (s.urlIndex + 1) % s.urls.length;
  return s.urls[s.urlIndex] as string;
}

/**
 * The streams this engine publishes and plays, and their ZEGO states. State events are emitted only
 * on a change (or with an error), so the same news from the component (`onRtmpEvent`) and from the
 * gateway (`mediaUpdate`) reaches the app once.
 */
export class LocalStreams {
  /** Published streams by streamID. */
  readonly publishing = new Map<string, LocalPublish>();
  /** Played streams by streamID. */
  readonly playing = new Map<string, LocalPlay>();

  constructor(private readonly emitter: TypedEmitter<ZegoEvents>) {}

  /** Moves a published stream to `state`, telling the app if that is news. */
  publisherState(
    local: LocalPublish,
    state: ZegoPublisherState,
    code: number,
    ext: string,
    force = false,
  ): void {
    if (local.state === state && code === 0 && !force) return;
    local.state = state;
    this.emitter.emit('publisherStateUpdate', {
      streamID: local.streamID,
      state,
      errorCode: code,
      extendedData: ext,
    });
  }

  /** Moves a played stream to `state`, telling the app if that is news. */
  playerState(local: LocalPlay, state: ZegoPlayerState, code: number, ext: string, force = false): void {
    if (local.state === state && code === 0 && !force) return;
    local.state = state;
    this.emitter.emit('playerStateUpdate', {
      streamID: local.streamID,
      state,
      errorCode: code,
      extendedData: ext,
    });
  }

  /**
   * A publisher state by streamID. With `unknownToo` a stream the SDK does not hold is still reported
   * (the app forwarded an `onRtmpEvent` for a URL it got elsewhere); without it, it is ignored.
   */
  publisherStateByID(
    streamID: string,
    state: ZegoPublisherState,
    code: number,
    ext: string,
    unknownToo: boolean,
  ): void {
    const local = this.publishing.get(streamID);
    if (local) this.publisherState(local, state, code, ext);
    else if (unknownToo)
      this.emitter.emit('publisherStateUpdate', { streamID, state, errorCode: code, extendedData: ext });
  }

  /** A player state by streamID (see {@link publisherStateByID}). */
  playerStateByID(
    streamID: string,
    state: ZegoPlayerState,
    code: number,
    ext: string,
    unknownToo: boolean,
  ): void {
    const local = this.playing.get(streamID);
    if (local) this.playerState(local, state, code, ext);
    else if (unknownToo)
      this.emitter.emit('playerStateUpdate', { streamID, state, errorCode: code, extendedData: ext });
  }

  /** Forgets the streams of a room the engine left (the server already ended them). */
  dropRoom(roomID: string): void {
    for (const [id, s] of this.publishing) if (s.roomID === roomID) this.publishing.delete(id);
    for (const [id, s] of this.playing) if (s.roomID === roomID) this.playing.delete(id);
  }

  /** The stream (published first, then played) with this ID. */
  get(streamID: string): LocalStream<string> | undefined {
    return this.publishing.get(streamID) ?? this.playing.get(streamID);
  }

  /**
   * After a full re-login the signed URLs name a session that no longer exists (the gateway drops
   * their media), so each published and played stream asks again. `getNextUrl()` then hands out the
   * fresh grant, and a forced PUBLISH_REQUESTING / PLAY_REQUESTING event whose `extendedData` is
   * `{"reason":"relogin","url":…}` tells the app to re-create `<rtc-room>` with it.
   */
  async regrant(conn: Connection, stillCurrent: () => boolean): Promise<void> {
    const all: [LocalStream<string>, 'publish' | 'play'][] = [
      ...[...this.publishing.values()].map((l) => [l, 'publish'] as [LocalStream<string>, 'publish']),
      ...[...this.playing.values()].map((l) => [l, 'play'] as [LocalStream<string>, 'play']),
    ];
    for (const [local, kind] of all) {
      if (!stillCurrent()) return;
      try {
        const data = await conn.request<StreamUrlResult>(
          kind === 'publish'
            ? {
                type: 'publish',
                roomID: local.roomID,
                streamID: local.streamID,
                extraInfo: local.extraInfo,
                streamParams: local.streamParams,
              }
            : {
                type: 'play',
                roomID: local.roomID,
                streamID: local.streamID,
                streamParams: local.streamParams,
              },
          { immediate: true },
        );
        local.urls = urlList(data.url, data.urls);
        local.urlIndex = local.urls.length - 1;
        const ext = JSON.stringify({ reason: 'relogin', url: data.url });
        if (kind === 'publish')
          this.publisherState(local as LocalPublish, 'PUBLISH_REQUESTING', 0, ext, true);
        else this.playerState(local as LocalPlay, 'PLAY_REQUESTING', 0, ext, true);
      } catch (e) {
        const err = toMiniRtcError(e);
        if (err.code === ErrorCode.SOCKET_CLOSED || err.code === ErrorCode.NETWORK_TIMEOUT) return;
        if (kind === 'publish') {
          this.publishing.delete(local.streamID);
          this.publisherState(local as LocalPublish, 'NO_PUBLISH', err.code, err.msg);
        } else {
          this.playing.delete(local.streamID);
          this.playerState(local as LocalPlay, 'NO_PLAY', err.code, err.msg);
        }
      }
    }
  }
}

import type { Tracks } from './stream-tracks.js';
import type { WireFormat } from './hub-message.js';

/** Where one player's bytes go; the TCP and HTTP adapters implement it. */
export interface PlayerSink extends WireFormat {
  /** Bytes accepted but not yet handed to the OS (socket.writableLength): the backpressure signal. */
  pendingBytes(): number;
  /** Writes one buffer. */
  write(data: Buffer): void;
  /**
   * Writes several buffers as one vectored write (cork/uncork): a message's chunk headers and payload
   * views, a player's batch of messages, the join burst. The buffers are shared with other players and
   * the GOP cache: a sink must not change them.
   */
  writeBatch(data: Buffer[]): void;
  /** The hub is done with this player (stream ended, too slow, dropped): close it. */
  close(reason: string): void;
  /**
   * Called once, before the first bytes, with the tracks the stream is known to carry: an FLV sink
   * writes its header then, because players such as mpegts.js wait forever for a track the header
   * announces but the stream never sends.
   */
  announceTracks?(tracks: Tracks): void;
}

/** The hub's handle on a publishing connection, used to close a stale one on takeover. */
export interface PublisherHandle {
  readonly sessionId: string;
  close(reason: string): void;
}

/** Why a stream stopped: 'normal' (clean unpublish), 'timeout' (grace expired), 'closed' (by API). */
export type StopReason = 'normal' | 'timeout' | 'replaced' | 'closed' | 'error';

/** A snapshot of one stream, as events and `streams()` report it. */
export interface StreamInfo {
  key: string;
  app: string;
  stream: string;
  owner?: string;
  tag?: unknown;
  /** 'live' with a publisher; 'grace' while waiting for the publisher to come back. */
  state: 'live' | 'grace' | 'idle';
  publisherSessionId: string | null;
  players: number;
  bytesIn: number;
  bytesOut: number;
  /** When the stream was first published (ms since epoch); survives takeovers. */
  startedAt: number;
  videoCodec: string | null;
  audioCodec: string | null;
  /** Incoming media bitrate in bits/s over the last ~2 s window. */
  bitrate: number;
}

/** Events of a {@link MediaHub}. */
export interface MediaHubEvents {
  /** A genuinely new stream (not a takeover). */
  publishStart: (info: StreamInfo) => void;
  /**
   * The stream's first decodable media arrived (a video keyframe, or audio in a stream that has sent
   * no video header). Signaling announces a stream on this, not on `publishStart`, so a stream in a
   * room's list always has media. Once per stream: a takeover does not repeat it.
   */
  mediaStart: (info: StreamInfo) => void;
  /** A publisher with the same owner took the stream over; players stayed attached. */
  publishReplaced: (info: StreamInfo) => void;
  /** The publisher dropped without unpublishing: the stream is in grace, players stay attached. */
  publishInterrupted: (info: StreamInfo) => void;
  /** The stream is gone: grace expired, clean unpublish, or closed by the API. */
  publishStop: (info: StreamInfo, reason: string) => void;
  playStart: (info: StreamInfo, sessionId: string, tag: unknown) => void;
  playStop: (info: StreamInfo, sessionId: string, tag: unknown) => void;
}

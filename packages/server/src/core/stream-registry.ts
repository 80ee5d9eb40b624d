import type { WireStream, WireUser } from '@minirtc/protocol';

/**
 * A streamID reserved by a publisher. Reservation comes with `publish`; `live` only when the media
 * gateway reports media, because a stream in the room's list must always have media.
 */
export interface StreamReservation {
  appID: number;
  streamID: string;
  roomID: string;
  userID: string;
  userName: string;
  /** Session that reserved it (updated when a session is silently replaced). */
  sessionID: string;
  extraInfo: string;
  live: boolean;
  reservedAt: number;
}

/** The wire form of a reservation. URLs are per-player signed grants (`play`), so the list carries none. */
export function wireStream(r: StreamReservation): WireStream {
  const user: WireUser = { userID: r.userID, userName: r.userName };
  return {
    streamID: r.streamID,
    user,
    extraInfo: r.extraInfo,
    urlsFLV: '',
    urlsRTMP: '',
    urlsHLS: '',
    urlsHttpsFLV: '',
    urlsHttpsHLS: '',
  };
}

/** StreamIDs are unique per AppID: this registry enforces it across rooms. */
export class StreamRegistry {
  readonly #byKey = new Map<string, StreamReservation>();

  /** Index key: streamIDs are unique per AppID. */
  static key(appID: number, streamID: string): string {
    return `${appID}:${streamID}`;
  }

  /** The reservation of a streamID, if any. */
  get(appID: number, streamID: string): StreamReservation | undefined {
    return this.#byKey.get(StreamRegistry.key(appID, streamID));
  }

  /** Stores a reservation (the caller has checked ownership). */
  set(r: StreamReservation): void {
    this.#byKey.set(StreamRegistry.key(r.appID, r.streamID), r);
  }

  /** Removes a reservation; true if it existed. */
  delete(appID: number, streamID: string): boolean {
    return this.#byKey.delete(StreamRegistry.key(appID, streamID));
  }

  /** Reservations held by one user of an app. */
  ofUser(appID: number, userID: string): StreamReservation[] {
    return [...this.#byKey.values()].filter((r) => r.appID === appID && r.userID === userID);
  }

  /** Number of reservations. */
  get size(): number {
    return this.#byKey.size;
  }
}

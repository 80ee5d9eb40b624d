/**
 * What the embedded gateway remembers about a media session it authorized through signaling (the
 * `tag` of its hub entry): enough to tell signaling which stream went live or gone, and to report
 * publish/play events for the call timeline.
 */
export interface MediaTag {
  appID: number;
  userID: string;
  roomID: string;
  sessionID: string;
  streamID: string;
}

/** The tag of a hub entry or player, when it is one of ours. */
export function tagOf(t: unknown): MediaTag | undefined {
  return t && typeof t === 'object' ? (t as MediaTag) : undefined;
}

/**
 * The two composite keys MiniRTC uses across packages, spelled once. AppIDs scope everything: two
 * apps may both have a user `u1` or a stream `s1`.
 */

/**
 * `${appID}:${userID}`: one user of one app. The key of the one-session-per-user rule and of media
 * ownership (the gateway refuses a publish onto a stream key another owner holds).
 */
export function userKey(appID: number, userID: string): string {
  return `${appID}:${userID}`;
}

/** `${appID}/${streamID}`: a stream as the media gateway keys it (its hub, grace and recordings). */
export function mediaStreamKey(appID: number, streamID: string): string {
  return `${appID}/${streamID}`;
}

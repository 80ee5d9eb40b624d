// Display helpers. Note: there is no formatDuration here; pages/viewer imports it anyway (see there).
const STATE_TEXT = {
  NO_PUBLISH: '未推流',
  PUBLISH_REQUESTING: '推流请求中',
  PUBLISHING: '推流中',
  NO_PLAY: '未拉流',
  PLAY_REQUESTING: '拉流请求中',
  PLAYING: '播放中',
};

export function formatState(state) {
  return STATE_TEXT[state] || state;
}

// A short tag of the session, base64 of a few bytes (uses my.arrayBufferToBase64 like SDK code does).
export function sessionTag(userID) {
  const bytes = new Uint8Array(userID.length);
  for (let i = 0; i < userID.length; i++) bytes[i] = userID.charCodeAt(i) & 0xff;
  return my.arrayBufferToBase64(bytes.buffer);
}

export default { formatState, sessionTag };

import { mediaStreamKey } from '@minirtc/protocol';
import type { MediaServer } from '@minirtc/rtmp';
import type { MediaEvent } from '../events.js';
import type { MediaStreamStat } from '../metrics/server-metrics.js';
import type { MiniRtcServer } from '../server.js';
import { tagOf } from './media-tag.js';

/**
 * Wires an embedded gateway (created with {@link signalingAuthorizer}) to signaling in the same
 * process: streams enter their room on first media and leave on stop, publish/play events reach the
 * call timeline, and signaling can drop a stream or a user's media. (HTTP-FLV is served on the
 * signaling port through the server's `httpFlv` option, see {@link startNode}.)
 */
export function linkEmbeddedGateway(server: MiniRtcServer, media: MediaServer): void {
  // A stream enters its room when its first decodable media arrives, not when the publish command
  // is accepted: a stream in a room's list always has media to play.
  media.on('mediaStart', (info) => {
    const t = tagOf(info.tag);
    if (t) server.media.streamLive(t.appID, t.streamID);
  });
  media.on('publishStop', (info, reason) => {
    const t = tagOf(info.tag);
    if (t) server.media.streamGone(t.appID, t.streamID, reason);
  });
  // Media events for the call timeline and metrics (players carry their own grant's tag).
  const report = (kind: MediaEvent['kind'], tag: unknown, reason?: string): void => {
    const t = tagOf(tag);
    if (!t) return;
    server.reportMedia({
      appID: t.appID,
      roomID: t.roomID,
      userID: t.userID,
      streamID: t.streamID,
      kind,
      ...(reason !== undefined ? { reason } : {}),
    });
  };
  media.on('publishStart', (info) => report('publishStart', info.tag));
  media.on('publishStop', (info, reason) => report('publishStop', info.tag, reason));
  media.on('playStart', (_info, _sid, tag) => report('playStart', tag));
  media.on('playStop', (_info, _sid, tag) => report('playStop', tag));
  server.media.attachController({
    dropStream: (appID, streamID, reason) => {
      media.closeStream(mediaStreamKey(appID, streamID), reason);
    },
    dropUser: (appID, userID) => {
      media.dropSessions((s) => {
        const t = tagOf(s.tag);
        return t !== undefined && t.appID === appID && t.userID === userID;
      });
    },
  });
}

/** Per-stream figures of an embedded gateway for `/metrics` (streams without our tag are skipped). */
export function gatewayStats(media: MediaServer | undefined): MediaStreamStat[] {
  return (media?.streams() ?? []).flatMap((s) => {
    const t = tagOf(s.tag);
    return t
      ? [
          {
            appID: t.appID,
            streamID: t.streamID,
            players: s.players,
            bytesIn: s.bytesIn,
            bytesOut: s.bytesOut,
            bitrate: s.bitrate,
          },
        ]
      : [];
  });
}

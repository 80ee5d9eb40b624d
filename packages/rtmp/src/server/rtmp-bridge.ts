import type { AuthResult, StreamRequest } from './auth.js';
import { RtmpError } from '../errors.js';
import type { MediaHub } from '../hub/media-hub.js';
import type { Logger, RtmpConnection } from './rtmp-server.js';
import type { StreamCommand } from '../protocol/rtmp-session.js';

/** What {@link bridgeRtmpConnection} needs from the server around it. */
export interface BridgeDeps {
  hub: MediaHub;
  logger: Logger;
  authorize(req: StreamRequest): Promise<AuthResult>;
  /** A bug of ours: log and surface it, close only the affected client. */
  internalError(e: unknown, closeClient: () => void): void;
  /** Idle limit for a publishing connection (0 keeps the connection's general idle timeout). */
  publisherIdleTimeoutMs: number;
}

/**
 * Connects one RTMP connection's session to the authorizer and the hub: publish/play requests are
 * authorized before any media flows, media goes to the hub under the authorized key, and the
 * connection's close releases everything it held (a publisher's key goes to grace).
 */
export function bridgeRtmpConnection(conn: RtmpConnection, deps: BridgeDeps): void {
  const s = conn.session;
  const publishing = new Map<number, string>();
  const playing = new Map<number, string>();
  const request = (kind: 'publish' | 'play', cmd: StreamCommand): StreamRequest => ({
    kind,
    protocol: 'rtmp',
    app: s.connectInfo?.app ?? '',
    stream: cmd.name,
    query: cmd.query,
    remoteAddress: conn.remoteAddress,
    sessionId: conn.id,
  });
  s.on('publish', (cmd) => {
    void deps
      .authorize(request('publish', cmd))
      .then((auth) => {
        if (conn.isClosed || s.isEnded || s.streamState(cmd.streamId) !== 'publish-pending') return;
        if (!auth.ok) return s.refuse(cmd.streamId, auth.status, auth.reason);
        const app = s.connectInfo?.app ?? '';
        const key = auth.key ?? `${app}/${cmd.name}`;
        // Registered first so that, whatever throws below, closing the connection releases the key.
        publishing.set(cmd.streamId, key);
        const r = deps.hub.publish({
          key,
          app,
          stream: cmd.name,
          owner: auth.owner,
          tag: auth.tag,
          publisher: { sessionId: conn.id, close: (reason) => conn.close(reason) },
        });
        if (!r.ok) {
          publishing.delete(cmd.streamId);
          return s.refuse(cmd.streamId, 'BadName', r.reason);
        }
        s.acceptPublish(cmd.streamId);
        conn.markAuthorized();
        // A publisher sends media all the time; silence means a dead network path (no FIN on
        // mobile), and noticing it early starts the grace window early.
        if (deps.publisherIdleTimeoutMs > 0) conn.setIdleTimeout(deps.publisherIdleTimeoutMs);
      })
      .catch((e: unknown) => deps.internalError(e, () => conn.close('internal error')));
  });
  s.on('play', (cmd) => {
    void deps
      .authorize(request('play', cmd))
      .then((auth) => {
        if (conn.isClosed || s.isEnded || s.streamState(cmd.streamId) !== 'play-pending') return;
        if (!auth.ok) return s.refuse(cmd.streamId, auth.status, auth.reason);
        const app = s.connectInfo?.app ?? '';
        const key = auth.key ?? `${app}/${cmd.name}`;
        // The hub knows a player by its connection id, so one connection plays a key once.
        if ([...playing.values()].includes(key)) return s.refuse(cmd.streamId, 'BadName', 'already playing');
        playing.set(cmd.streamId, key); // first, for the same reason as publishing above
        s.acceptPlay(cmd.streamId);
        conn.markAuthorized();
        const sink = conn.sinkFor(cmd.streamId);
        deps.hub.play({
          key,
          app,
          stream: cmd.name,
          sessionId: conn.id,
          tag: auth.tag,
          owner: auth.owner,
          sink,
        });
      })
      .catch((e: unknown) => deps.internalError(e, () => conn.close('internal error')));
  });
  s.on('media', (streamId, m) => {
    const key = publishing.get(streamId);
    if (key) deps.hub.media(key, conn.id, m.typeId, m.timestamp, m.payload);
  });
  s.on('mediaIgnored', (streamId, reason) => {
    deps.logger.warn({ id: conn.id, streamId, app: s.connectInfo?.app }, `rtmp media ignored: ${reason}`);
  });
  s.on('metadata', (streamId, body) => {
    const key = publishing.get(streamId);
    if (key) deps.hub.metadata(key, conn.id, body);
  });
  s.on('unpublish', (streamId) => {
    const key = publishing.get(streamId);
    publishing.delete(streamId);
    if (key) deps.hub.unpublish(key, conn.id, true);
  });
  s.on('stopPlay', (streamId) => {
    const key = playing.get(streamId);
    playing.delete(streamId);
    if (key) deps.hub.stopPlay(key, conn.id);
  });
  conn.on('internalError', (err) => deps.internalError(err, () => {}));
  conn.on('close', (err) => {
    if (err && !(err instanceof RtmpError))
      deps.logger.warn({ id: conn.id, err: err.message }, 'rtmp socket error');
    // After FCUnpublish a disconnect is how the encoder ends: a clean stop, no grace window.
    for (const [id, key] of publishing) deps.hub.unpublish(key, conn.id, s.unpublishAnnounced(id));
    for (const key of playing.values()) deps.hub.stopPlay(key, conn.id);
    publishing.clear();
    playing.clear();
  });
}

import { ErrorCode } from '@minirtc/protocol';
import type { StreamGrant } from '@minirtc/protocol/crypto';
import { MediaServer } from '@minirtc/rtmp';
import type { AuthResult, StreamRequest } from '@minirtc/rtmp';
import { MemoryAppStore, MiniRtcServer } from '@minirtc/server';
import type { AppRecord, Logger } from '@minirtc/server';
import type { MiniRtcConfig } from './config.js';

/** A running MiniRTC node: signaling + REST on one HTTP port, the embedded RTMP gateway beside it. */
export interface Platform {
  config: MiniRtcConfig;
  server: MiniRtcServer;
  /** Absent when `rtmp.enabled` is false (an external media server calls the hooks instead). */
  media?: MediaServer;
  apps: MemoryAppStore;
  close(): Promise<void>;
}

/** Extra inputs of {@link startPlatform}. */
export interface PlatformOptions {
  apps?: AppRecord[];
  logger?: Logger;
}

/** What the gateway remembers about an authorized media session (its `tag`). */
export interface MediaTag {
  appID: number;
  userID: string;
  roomID: string;
  sessionID: string;
  streamID: string;
}

/** Stream keys are per AppID: two apps may both publish `s1`. */
export function streamKey(appID: number, streamID: string): string {
  return `${appID}/${streamID}`;
}

function refusal(code: number, message: string): AuthResult {
  const status =
    code === ErrorCode.STREAM_ID_TAKEN
      ? 'BadName'
      : code === ErrorCode.STREAM_NOT_FOUND || code === ErrorCode.STREAM_NOT_IN_ROOM
        ? 'NotFound'
        : 'Unauthorized';
  return { ok: false, status, reason: `${code} ${message}` };
}

/**
 * Starts signaling and the embedded gateway and wires them: the gateway asks signaling to authorize
 * every publish/play (signature checked locally, then the grant's session, room and reservation),
 * reports streams live/gone so rooms list only streams with media, and drops media that signaling revokes.
 */
export async function startPlatform(config: MiniRtcConfig, opts: PlatformOptions = {}): Promise<Platform> {
  const apps = new MemoryAppStore(opts.apps ?? []);
  const publicHost = config.publicHost ?? config.host;
  let media: MediaServer | undefined;
  const server: MiniRtcServer = new MiniRtcServer({
    host: config.host,
    port: config.port,
    apps,
    mediaRtmpBase: () => `rtmp://${publicHost}:${media?.rtmpPort ?? config.rtmp.port}/live`,
    mediaFlvBase: (): string => `http://${publicHost}:${server.port}/live`,
    urlTtlSeconds: config.signaling.urlTtlSeconds,
    heartbeatMs: config.signaling.heartbeatMs,
    heartbeatTimeoutMs: config.signaling.heartbeatTimeoutMs,
    resumeGraceMs: config.signaling.resumeGraceMs,
    ...(opts.logger ? { logger: opts.logger } : {}),
  });

  if (config.rtmp.enabled) {
    const m = new MediaServer({
      host: config.rtmp.host ?? config.host,
      rtmpPort: config.rtmp.port,
      httpPort: null,
      takeoverGraceMs: config.media.takeoverGraceMs,
      ...(opts.logger ? { logger: opts.logger } : {}),
      authorizer: {
        authorize(req: StreamRequest): AuthResult {
          const r = server.media.authorize(req.kind, req.stream, req.query);
          if (!r.ok) return refusal(r.code, r.message);
          const g: StreamGrant = r.grant;
          const tag: MediaTag = {
            appID: g.appID,
            userID: g.userID,
            roomID: g.roomID,
            sessionID: g.sessionID,
            streamID: g.streamID,
          };
          return { ok: true, key: streamKey(g.appID, g.streamID), owner: r.owner, tag };
        },
      },
    });
    media = m;
    const tagOf = (t: unknown): MediaTag | undefined =>
      t && typeof t === 'object' ? (t as MediaTag) : undefined;
    m.on('publishStart', (info) => {
      const t = tagOf(info.tag);
      if (t) server.media.streamLive(t.appID, t.streamID);
    });
    m.on('publishStop', (info, reason) => {
      const t = tagOf(info.tag);
      if (t) server.media.streamGone(t.appID, t.streamID, reason);
    });
    server.media.attachController({
      dropStream: (appID, streamID, reason) => {
        m.closeStream(streamKey(appID, streamID), reason);
      },
      dropUser: (appID, userID) => {
        m.dropSessions((s) => {
          const t = tagOf(s.tag);
          return t !== undefined && t.appID === appID && t.userID === userID;
        });
      },
    });
    server.addHttpHandler((req, res) => m.handleHttp(req, res));
    await m.listen();
  }
  try {
    await server.listen();
  } catch (e) {
    await media?.close();
    throw e;
  }
  return {
    config,
    server,
    ...(media ? { media } : {}),
    apps,
    async close() {
      await server.close();
      await media?.close();
    },
  };
}

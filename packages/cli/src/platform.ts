import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rtmpRefusalOf } from '@minirtc/protocol';
import type { StreamGrant } from '@minirtc/protocol/crypto';
import { MediaServer } from '@minirtc/rtmp';
import type { AuthResult, StreamRequest } from '@minirtc/rtmp';
import { MiniRtcServer, SqliteAppStore, openDatabase } from '@minirtc/server';
import type { AppRecord, Db, Logger, MediaEvent } from '@minirtc/server';
import type { MiniRtcConfig } from './config.js';
import { mediaSecurity, serverSecurity } from './security-config.js';
import { mixingOptions, recordingOptions } from './recording-config.js';

/** A running MiniRTC node: signaling + REST on one HTTP port, the embedded RTMP gateway beside it. */
export interface Platform {
  config: MiniRtcConfig;
  server: MiniRtcServer;
  /** Absent when `rtmp.enabled` is false (an external media server calls the hooks instead). */
  media?: MediaServer;
  /** Apps in the SQLite database (managed through the REST API and the console). */
  apps: SqliteAppStore;
  /** The SQLite database (`config.db`, default `<dataDir>/minirtc.db`). */
  db: Db;
  /** Where the console is served from, when it is (`/console`). */
  consoleDir?: string;
  /** Reloads the TLS certificate files (SIGHUP); false when there is no TLS or the new pair is bad. */
  reload(): Promise<boolean>;
  close(): Promise<void>;
}

/** Extra inputs of {@link startPlatform}. */
export interface PlatformOptions {
  /** Apps whose secret is authoritative here (the dev app, a simulation): created or updated at start. */
  apps?: AppRecord[];
  logger?: Logger;
  /** REST API admin key (overrides `config.api.adminKey`). */
  adminKey?: string;
}

/** The built console next to this package (`packages/console/dist`), if it has been built. */
export function defaultConsoleDir(): string | undefined {
  const dir = fileURLToPath(new URL('../../console/dist', import.meta.url));
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
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

/** A signaling refusal as the gateway's: RTMP status and HTTP status both from the error table. */
function refusal(code: number, message: string): AuthResult {
  return { ok: false, status: rtmpRefusalOf(code), code, reason: `${code} ${message}` };
}

/**
 * Starts signaling and the embedded gateway and wires them: the gateway asks signaling to authorize
 * every publish/play (signature checked locally, then the grant's session, room and reservation),
 * reports streams live/gone so rooms list only streams with media, and drops media that signaling revokes.
 */
export async function startPlatform(config: MiniRtcConfig, opts: PlatformOptions = {}): Promise<Platform> {
  const db = openDatabase(config.db ?? join(resolve(config.dataDir), 'minirtc.db'));
  const apps = new SqliteAppStore(db);
  for (const a of opts.apps ?? []) apps.upsert(a);
  const publicHost = config.publicHost ?? config.host;
  const consoleDir = config.consoleDir ?? defaultConsoleDir();
  const adminKey = opts.adminKey ?? config.api.adminKey;
  let media: MediaServer | undefined;
  const server: MiniRtcServer = new MiniRtcServer({
    host: config.host,
    port: config.port,
    apps,
    mediaRtmpBase: () =>
      config.rtmp.publicBase ?? `rtmp://${publicHost}:${media?.rtmpPort ?? config.rtmp.port}/live`,
    mediaFlvBase: (): string =>
      config.publicUrl
        ? `${config.publicUrl.replace(/\/+$/, '')}/live`
        : `${config.tls ? 'https' : 'http'}://${publicHost}:${server.port}/live`,
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    ...(config.tls ? { tls: { cert: config.tls.cert, key: config.tls.key } } : {}),
    trustedProxies: config.trustedProxies,
    ...(config.opsPort !== undefined ? { opsListener: { port: config.opsPort } } : {}),
    urlTtlSeconds: config.signaling.urlTtlSeconds,
    heartbeatMs: config.signaling.heartbeatMs,
    heartbeatTimeoutMs: config.signaling.heartbeatTimeoutMs,
    resumeGraceMs: config.signaling.resumeGraceMs,
    security: serverSecurity(config.security),
    mediaRefusals: () => media?.refusals() ?? [],
    onlineCountIntervalMs: config.signaling.onlineCountIntervalMs,
    userUpdateMaxMembers: config.signaling.userUpdateMaxMembers,
    httpFlv: () => (media ? (req, res) => media?.handleHttp(req, res) ?? false : undefined),
    db,
    ...(adminKey ? { adminKey } : {}),
    ...(consoleDir ? { consoleDir } : {}),
    webhooks: {
      retryBaseMs: config.webhooks.retryBaseMs,
      timeoutMs: config.webhooks.timeoutMs,
      ...(config.webhooks.allowPrivateDestinations ? { allowPrivateDestinations: true } : {}),
    },
    ...(config.recording.enabled ? { recording: recordingOptions(config) } : {}),
    ...(config.mixing.enabled ? { mixing: mixingOptions(config) } : {}),
    mediaStats: () =>
      (media?.streams() ?? []).flatMap((s) => {
        const t = s.tag && typeof s.tag === 'object' ? (s.tag as MediaTag) : undefined;
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
      }),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });

  if (config.rtmp.enabled) {
    const m = new MediaServer({
      host: config.rtmp.host ?? config.host,
      rtmpPort: config.rtmp.port,
      httpPort: null,
      takeoverGraceMs: config.media.takeoverGraceMs,
      ...mediaSecurity(config.security),
      trustedProxies: config.trustedProxies,
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
    // A stream enters its room when its first decodable media arrives, not when the publish command
    // is accepted: a stream in a room's list always has media to play.
    m.on('mediaStart', (info) => {
      const t = tagOf(info.tag);
      if (t) server.media.streamLive(t.appID, t.streamID);
    });
    m.on('publishStop', (info, reason) => {
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
    m.on('publishStart', (info) => report('publishStart', info.tag));
    m.on('publishStop', (info, reason) => report('publishStop', info.tag, reason));
    m.on('playStart', (_info, _sid, tag) => report('playStart', tag));
    m.on('playStop', (_info, _sid, tag) => report('playStop', tag));
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
    await m.listen();
  }
  try {
    await server.listen();
  } catch (e) {
    await media?.close();
    db.close();
    throw e;
  }
  return {
    config,
    server,
    ...(media ? { media } : {}),
    apps,
    db,
    ...(consoleDir ? { consoleDir } : {}),
    reload: () => server.reloadTls(),
    async close() {
      await server.close();
      await media?.close();
      db.close();
    },
  };
}

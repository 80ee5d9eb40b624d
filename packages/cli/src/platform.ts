import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MediaServer } from '@minirtc/rtmp';
import { connectMediaDirectory, defaultNodeId, silentLogger, startNode } from '@minirtc/server';
import type {
  AppRecord,
  CachedAppStore,
  ConnectedMediaDirectory,
  Db,
  Logger,
  MediaDirectory,
  MiniRtcServer,
} from '@minirtc/server';
import type { MiniRtcConfig } from './config.js';
import { mediaSecurity, serverSecurity } from './security-config.js';
import { mixingOptions, recordingOptions } from './recording-config.js';

/** A running MiniRTC node: signaling + REST on one HTTP port, the embedded RTMP gateway beside it. */
export interface Platform {
  config: MiniRtcConfig;
  server: MiniRtcServer;
  /** Absent when `rtmp.enabled` is false (an external media server calls the hooks instead). */
  media?: MediaServer;
  /** Apps in the database (managed through the REST API and the console). */
  apps: CachedAppStore;
  /** The node's SQLite database (`db.file`, default `<dataDir>/minirtc.db`). */
  db: Db;
  /** Where the console is served from, when it is (`/console`). */
  consoleDir?: string;
  /** With `state.redisUrl`: the registered `minirtc media` nodes, which place this node's streams. */
  mediaNodes?: MediaDirectory;
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

/**
 * Starts a node from the CLI's configuration: maps it onto the server's {@link startNode}, which
 * composes signaling, the database and the embedded gateway (see `@minirtc/server` media-link).
 */
export async function startPlatform(config: MiniRtcConfig, opts: PlatformOptions = {}): Promise<Platform> {
  const consoleDir = config.consoleDir ?? defaultConsoleDir();
  const adminKey = opts.adminKey ?? config.api.adminKey;
  const mediaNodes = config.state.redisUrl ? await connectMediaNodes(config, opts.logger) : undefined;
  const node = await startNode({
    dbFile: config.db.file ?? join(resolve(config.dataDir), 'minirtc.db'),
    ...(config.db.url ? { dbUrl: config.db.url } : {}),
    publicHost: config.publicHost ?? config.host,
    rtmpPublicBase: () => config.rtmp.publicBase,
    rtmpPort: config.rtmp.port,
    server: {
      ...(config.nodeId ? { nodeId: config.nodeId } : {}),
      host: config.host,
      port: config.port,
      urlTtlSeconds: config.signaling.urlTtlSeconds,
      heartbeatMs: config.signaling.heartbeatMs,
      heartbeatTimeoutMs: config.signaling.heartbeatTimeoutMs,
      resumeGraceMs: config.signaling.resumeGraceMs,
      onlineCountIntervalMs: config.signaling.onlineCountIntervalMs,
      userUpdateMaxMembers: config.signaling.userUpdateMaxMembers,
      limits: {
        fanoutSlice: config.signaling.fanoutSlice,
        pushBacklogMax: config.signaling.pushBacklogMax,
      },
      security: serverSecurity(config.security),
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
      ...(config.tls ? { tls: { cert: config.tls.cert, key: config.tls.key } } : {}),
      trustedProxies: config.trustedProxies,
      ...(config.opsPort !== undefined ? { opsListener: { port: config.opsPort } } : {}),
      ...(adminKey ? { adminKey } : {}),
      ...(consoleDir ? { consoleDir } : {}),
      webhooks: {
        retryBaseMs: config.webhooks.retryBaseMs,
        timeoutMs: config.webhooks.timeoutMs,
      },
      ...(config.recording.enabled ? { recording: recordingOptions(config) } : {}),
      ...(config.mixing.enabled ? { mixing: mixingOptions(config) } : {}),
      ...(mediaNodes ? { placement: mediaNodes.directory } : {}),
      ...(config.state.redisUrl
        ? {
            cluster: {
              redisUrl: config.state.redisUrl,
              nodeId: config.nodeId ?? defaultNodeId(hostname(), process.pid),
            },
          }
        : {}),
    },
    ...(config.rtmp.enabled
      ? {
          gateway: {
            host: config.rtmp.host ?? config.host,
            port: config.rtmp.port,
            takeoverGraceMs: config.media.takeoverGraceMs,
            options: { ...mediaSecurity(config.security), trustedProxies: config.trustedProxies },
          },
        }
      : {}),
    ...(opts.apps ? { apps: opts.apps } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  }).catch(async (e: unknown) => {
    await mediaNodes?.close();
    throw e;
  });
  if (!mediaNodes) return { ...node, config, ...(consoleDir ? { consoleDir } : {}) };
  // A dead media node's streams end through the bridge, as a gateway's stop report would end them.
  mediaNodes.directory.attach(node.server.media);
  const directory = mediaNodes.directory;
  node.server.readiness.add('redis-media', () => directory.ping());
  return {
    ...node,
    config,
    ...(consoleDir ? { consoleDir } : {}),
    mediaNodes: mediaNodes.directory,
    async close() {
      await mediaNodes.close();
      await node.close();
    },
  };
}

/** The media-node directory of a signaling node in a cluster (`state.redisUrl`). */
function connectMediaNodes(config: MiniRtcConfig, logger?: Logger): Promise<ConnectedMediaDirectory> {
  return connectMediaDirectory(config.state.redisUrl as string, {
    nodeId: config.nodeId ?? defaultNodeId(hostname(), process.pid),
    heartbeatMs: config.media.heartbeatMs,
    takeoverGraceMs: config.media.takeoverGraceMs,
    log: logger ?? silentLogger,
  });
}

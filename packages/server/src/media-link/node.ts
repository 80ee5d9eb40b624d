import { hostname } from 'node:os';
import { MediaServer } from '@minirtc/rtmp';
import type { MediaServerOptions } from '@minirtc/rtmp';
import type { AppRecord } from '../app-store.js';
import { defaultNodeId } from '../cluster/redis-connect.js';
import { type Logger, bindLogger, silentLogger } from '../logger.js';
import { MiniRtcServer } from '../server.js';
import type { ServerOptions } from '../server.js';
import { type Db, openDatabase } from '../store/database.js';
import { PgStores } from '../store/pg-stores.js';
import { type CachedAppStore, SqliteAppStore } from '../store/sqlite-app-store.js';
import { signalingAuthorizer } from './authorizers.js';
import { gatewayStats, linkEmbeddedGateway } from './gateway-link.js';

/** The embedded RTMP gateway of a node. */
export interface EmbeddedGatewayOptions {
  host: string;
  /** 0 = ephemeral. */
  port: number;
  /** How long a dropped publisher's stream is held for it to come back. */
  takeoverGraceMs: number;
  /** Further gateway settings (security limits, trusted proxies …). */
  options?: Omit<
    MediaServerOptions,
    'host' | 'rtmpPort' | 'httpPort' | 'takeoverGraceMs' | 'authorizer' | 'logger'
  >;
}

/** Inputs of {@link startNode}. */
export interface NodeOptions {
  /** Signaling options; apps, the database and the media URL bases are filled in here. */
  server: Omit<
    ServerOptions,
    | 'apps'
    | 'db'
    | 'postgres'
    | 'mediaRtmpBase'
    | 'mediaFlvBase'
    | 'mediaStats'
    | 'mediaRefusals'
    | 'mediaMemory'
    | 'httpFlv'
    | 'logger'
  >;
  /** SQLite database file (`:memory:` keeps nothing). */
  dbFile: string;
  /**
   * PostgreSQL shared by a group of nodes (`db.url`): apps, webhooks, timeline and SDK logs live there;
   * `dbFile` keeps only this node's local state.
   */
  dbUrl?: string;
  /** Host name put into the URLs handed to clients. */
  publicHost: string;
  /**
   * Base of the push/pull URLs given to clients, read at every grant (an operator may set it once the
   * media server is known); default `rtmp://<publicHost>:<gateway's port, else rtmpPort>/live`.
   */
  rtmpPublicBase?: () => string | undefined;
  /** The RTMP port named in the default base when no gateway is embedded (an external server's). */
  rtmpPort: number;
  /** The embedded gateway; absent: media comes from an external server through the hooks. */
  gateway?: EmbeddedGatewayOptions;
  /** Apps whose secret is authoritative here (the dev app, a simulation): created or updated at start. */
  apps?: AppRecord[];
  logger?: Logger;
}

/** A running node: signaling + REST on one HTTP port, the embedded RTMP gateway beside it. */
export interface MiniRtcNode {
  server: MiniRtcServer;
  /** Absent without {@link NodeOptions.gateway}. */
  media?: MediaServer;
  /** Apps in the database (managed through the REST API and the console). */
  apps: CachedAppStore;
  db: Db;
  /** Reloads the TLS certificate files (SIGHUP); false when there is no TLS or the new pair is bad. */
  reload(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Starts a node: the database, signaling, and (when configured) the embedded gateway linked to it.
 * The one place these are composed; the CLI only turns its configuration into {@link NodeOptions}.
 */
export async function startNode(opts: NodeOptions): Promise<MiniRtcNode> {
  const db = openDatabase(opts.dbFile);
  let pg: PgStores | undefined;
  try {
    pg = opts.dbUrl ? await PgStores.open(opts.dbUrl, opts.logger ?? silentLogger) : undefined;
  } catch (e) {
    db.close();
    throw e;
  }
  const apps: CachedAppStore = pg?.apps ?? new SqliteAppStore(db);
  for (const a of opts.apps ?? []) apps.upsert(a);
  const g = opts.gateway;
  let media: MediaServer | undefined;
  // One identity for the node: its signaling, its gateway and their log lines.
  const nodeId = opts.server.nodeId ?? opts.server.cluster?.nodeId ?? defaultNodeId(hostname(), process.pid);
  const logger = opts.logger ? bindLogger(opts.logger, { node: nodeId }) : undefined;
  const server: MiniRtcServer = new MiniRtcServer({
    ...opts.server,
    apps,
    db,
    ...(pg ? { postgres: pg } : {}),
    mediaRtmpBase: () =>
      opts.rtmpPublicBase?.() ?? `rtmp://${opts.publicHost}:${media?.rtmpPort ?? opts.rtmpPort}/live`,
    mediaFlvBase: (): string =>
      opts.server.publicUrl
        ? `${opts.server.publicUrl.replace(/\/+$/, '')}/live`
        : `${opts.server.tls ? 'https' : 'http'}://${opts.publicHost}:${server.port}/live`,
    // HTTP-FLV of the embedded gateway, served on the signaling port.
    httpFlv: () => (media ? (req, res) => media?.handleHttp(req, res) ?? false : undefined),
    mediaStats: () => gatewayStats(media),
    mediaRefusals: () => media?.refusals() ?? [],
    ...(opts.gateway ? { mediaMemory: () => media?.gopMemory() } : {}),
    ...(logger ? { logger } : {}),
  });
  if (g) {
    media = new MediaServer({
      ...g.options,
      host: g.host,
      rtmpPort: g.port,
      httpPort: null,
      takeoverGraceMs: g.takeoverGraceMs,
      ...(logger ? { logger } : {}),
      authorizer: signalingAuthorizer(server.media),
    });
    linkEmbeddedGateway(server, media);
    await media.listen();
  }
  try {
    await server.listen();
  } catch (e) {
    await media?.close();
    await pg?.close();
    db.close();
    throw e;
  }
  return {
    server,
    ...(media ? { media } : {}),
    apps,
    db,
    reload: () => server.reloadTls(),
    async close() {
      await server.close();
      await media?.close();
      await pg?.close();
      db.close();
    },
  };
}

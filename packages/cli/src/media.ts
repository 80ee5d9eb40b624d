import { hostname } from 'node:os';
import { streamSigningKey } from '@minirtc/protocol/crypto';
import { MediaServer } from '@minirtc/rtmp';
import {
  type HeldStream,
  MediaNodeHeartbeat,
  RemoteAuthorizer,
  connectRedis,
  defaultNodeId,
  linkRemoteSignaling,
  signedUrlAuthorizer,
} from '@minirtc/server';
import type { ParsedArgs } from './args.js';
import { configFrom, devAppOf } from './commands.js';
import type { Io } from './commands.js';
import type { MiniRtcConfig } from './config.js';
import { consoleLogger } from './logger.js';

/** A running `minirtc media`: the gateway and, with `state.redisUrl`, its registration. */
export interface MediaNode {
  server: MediaServer;
  /** This node's id in the registry and the logs. */
  nodeId: string;
  /** Present with `state.redisUrl`: the heartbeat signaling places streams by. */
  registry?: MediaNodeHeartbeat;
  /** Stops new placements here; running streams and players go on (SIGUSR2). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `minirtc media`: the RTMP + HTTP-FLV gateway on its own, for deployments that split media from
 * signaling. With `--signaling-url http://signaling:8080` (several, comma-separated, for failover)
 * every publish/play is authorized by that node (its `/hooks/srs`), which also learns when streams
 * start and stop, so rooms work as with the embedded gateway. Without it, signed URLs are verified
 * locally with the dev app's key and no room is told. With `state.redisUrl` the node registers in
 * Redis with its load, and signaling places new streams on the least loaded node; `--drain` (or
 * SIGUSR2 to a running node) stops new placements while calls finish.
 */
export async function mediaCommand(args: ParsedArgs, io: Io): Promise<MediaNode> {
  const cfg = configFrom(args, io, ['http-port', 'signaling-url', 'drain']);
  const signalingUrl = args.options['signaling-url'];
  const remote = signalingUrl ? new RemoteAuthorizer(signalingUrl) : undefined;
  const dev = devAppOf(cfg);
  const keys = new Map<number, Buffer>();
  if (dev) keys.set(dev.appID, streamSigningKey(dev.serverSecret));
  const httpPort = args.options['http-port'] ? Number(args.options['http-port']) : null;
  const log = consoleLogger(cfg.logLevel);
  const nodeId = cfg.nodeId ?? defaultNodeId(hostname(), process.pid);
  const media = new MediaServer({
    host: cfg.rtmp.host ?? cfg.host,
    rtmpPort: cfg.rtmp.port,
    httpPort,
    takeoverGraceMs: cfg.media.takeoverGraceMs,
    logger: log,
    authorizer: remote ?? signedUrlAuthorizer((id) => keys.get(id)),
  });
  if (remote) linkRemoteSignaling(media, remote);
  await media.listen();
  const host = cfg.publicHost ?? cfg.host;
  const rtmpBase = cfg.rtmp.publicBase ?? `rtmp://${host}:${media.rtmpPort}/live`;
  const flvBase = media.httpPort !== null ? `http://${host}:${media.httpPort}/live` : '';
  let registry: MediaNodeHeartbeat | undefined;
  let closeRedis = async (): Promise<void> => {};
  if (cfg.state.redisUrl) {
    const r = await register(cfg, media, nodeId, rtmpBase, flvBase, log).catch(async (e: unknown) => {
      await media.close();
      throw e;
    });
    registry = r.registry;
    closeRedis = r.close;
    if (args.options.drain === 'true') await registry.drain();
  }
  io.out(`MiniRTC media gateway: ${rtmpBase} (node ${nodeId})`);
  if (media.httpPort !== null) io.out(`  HTTP-FLV on http://${cfg.host}:${media.httpPort}/live/<stream>.flv`);
  if (remote) io.out(`  authorizing through ${signalingUrl}`);
  else io.out(`  apps: ${[...keys.keys()].join(', ') || 'none (no dev app in ' + cfg.dataDir + ')'}`);
  if (registry) io.out(`  registered in Redis${registry.draining ? ' (draining)' : ''}`);
  let closing: Promise<void> | undefined;
  return {
    server: media,
    nodeId,
    ...(registry ? { registry } : {}),
    async drain() {
      if (!registry) {
        log.warn({}, 'drain: this node is not registered (no state.redisUrl): nothing to stop');
        return;
      }
      await registry.drain();
      io.out(`draining: ${media.streams().length} stream(s) still running`);
    },
    close() {
      closing ??= (async () => {
        await media.close();
        await closeRedis();
      })();
      return closing;
    },
  };
}

/** Registers the node in Redis and keeps its load and streams there. */
async function register(
  cfg: MiniRtcConfig,
  media: MediaServer,
  nodeId: string,
  rtmpBase: string,
  flvBase: string,
  log: ReturnType<typeof consoleLogger>,
): Promise<{ registry: MediaNodeHeartbeat; close(): Promise<void> }> {
  const redis = connectRedis(cfg.state.redisUrl as string, `minirtc-${nodeId}`);
  const registry = new MediaNodeHeartbeat(redis, {
    id: nodeId,
    rtmpBase,
    flvBase,
    heartbeatMs: cfg.media.heartbeatMs,
    takeoverGraceMs: cfg.media.takeoverGraceMs,
    load: () => {
      const streams = media.streams();
      return { streams: streams.length, players: streams.reduce((n, s) => n + s.players, 0) };
    },
    held: () => media.streams().flatMap((s) => where(s.tag) ?? []),
    onFenced: () => {
      for (const s of media.streams()) media.closeStream(s.key, 'media node lost its registry');
    },
    log,
  });
  function where(tag: unknown): HeldStream | undefined {
    const t = tag as { appID?: unknown; streamID?: unknown; roomID?: unknown } | undefined;
    return t && typeof t.appID === 'number' && typeof t.streamID === 'string'
      ? { appID: t.appID, streamID: t.streamID, roomID: typeof t.roomID === 'string' ? t.roomID : '' }
      : undefined;
  }
  const failed = (err: unknown) => log.warn({ err }, 'media registry update failed');
  media.on('publishStart', (info) => {
    const w = where(info.tag);
    if (w) registry.streamLive(w.appID, w.streamID, w.roomID).catch(failed);
  });
  media.on('publishStop', (info) => {
    const w = where(info.tag);
    if (w) registry.streamGone(w.appID, w.streamID, w.roomID).catch(failed);
    if (registry.draining) {
      const left = media.streams().filter((s) => s.key !== info.key).length;
      log.info({ node: nodeId, streams: left }, left === 0 ? 'media node drained' : 'draining');
    }
  });
  try {
    await registry.start();
  } catch (e) {
    redis.disconnect();
    throw e;
  }
  return {
    registry,
    async close() {
      await registry.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

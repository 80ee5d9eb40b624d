import { hostname } from 'node:os';
import { streamSigningKey } from '@minirtc/protocol/crypto';
import { MediaServer } from '@minirtc/rtmp';
import {
  RemoteAuthorizer,
  bindLogger,
  defaultNodeId,
  linkRemoteSignaling,
  signedUrlAuthorizer,
} from '@minirtc/server';
import type { ParsedArgs } from './args.js';
import { configFrom, devAppOf } from './commands.js';
import type { Io } from './commands.js';
import { consoleLogger } from './logger.js';

/**
 * `minirtc media`: the RTMP + HTTP-FLV gateway on its own, for deployments that split media from
 * signaling. With `--signaling-url http://signaling:8080` every publish/play is authorized by that node
 * (its `/hooks/srs`), which also learns when streams start and stop, so rooms work as with the embedded
 * gateway. Without it, signed URLs are verified locally with the dev app's key and no room is told.
 */
export async function mediaCommand(args: ParsedArgs, io: Io): Promise<MediaServer> {
  const cfg = configFrom(args, io, ['http-port', 'signaling-url']);
  const signalingUrl = args.options['signaling-url'];
  const remote = signalingUrl ? new RemoteAuthorizer(signalingUrl) : undefined;
  const dev = devAppOf(cfg);
  const keys = new Map<number, Buffer>();
  if (dev) keys.set(dev.appID, streamSigningKey(dev.serverSecret));
  const httpPort = args.options['http-port'] ? Number(args.options['http-port']) : null;
  const media = new MediaServer({
    host: cfg.rtmp.host ?? cfg.host,
    rtmpPort: cfg.rtmp.port,
    httpPort,
    takeoverGraceMs: cfg.media.takeoverGraceMs,
    // Its log lines name the node, as a signaling node's do.
    logger: bindLogger(consoleLogger(cfg.logLevel), {
      node: cfg.nodeId ?? defaultNodeId(hostname(), process.pid),
    }),
    authorizer: remote ?? signedUrlAuthorizer((id) => keys.get(id)),
  });
  if (remote) linkRemoteSignaling(media, remote);
  await media.listen();
  io.out(`MiniRTC media gateway: rtmp://${cfg.publicHost ?? cfg.host}:${media.rtmpPort}/live`);
  if (media.httpPort !== null) io.out(`  HTTP-FLV on http://${cfg.host}:${media.httpPort}/live/<stream>.flv`);
  if (signalingUrl) io.out(`  authorizing through ${signalingUrl}/hooks/srs`);
  else io.out(`  apps: ${[...keys.keys()].join(', ') || 'none (no dev app in ' + cfg.dataDir + ')'}`);
  return media;
}

import { resolve } from 'node:path';
import { isMiniRtcError } from '@minirtc/protocol';
import { streamSigningKey, verifyGrant } from '@minirtc/protocol/crypto';
import { MediaServer } from '@minirtc/rtmp';
import type { AuthResult } from '@minirtc/rtmp';
import type { ParsedArgs } from './args.js';
import { configFrom } from './commands.js';
import type { Io } from './commands.js';
import { readDevApp } from './dev-app.js';
import { consoleLogger } from './logger.js';
import { streamKey } from './platform.js';

/**
 * `minirtc media`: the RTMP + HTTP-FLV gateway on its own. It verifies signed URLs locally with the
 * apps' keys (no round trip). Reporting live/gone back to a remote signaling node is not wired yet:
 * in this mode rooms do not learn about streams (see docs/media.md).
 */
export async function mediaCommand(args: ParsedArgs, io: Io): Promise<MediaServer> {
  const cfg = configFrom(args, io, ['http-port']);
  const dev = readDevApp(resolve(cfg.dataDir));
  const keys = new Map<number, Buffer>();
  if (dev) keys.set(dev.appID, streamSigningKey(dev.serverSecret));
  const httpPort = args.options['http-port'] ? Number(args.options['http-port']) : null;
  const media = new MediaServer({
    host: cfg.rtmp.host ?? cfg.host,
    rtmpPort: cfg.rtmp.port,
    httpPort,
    takeoverGraceMs: cfg.media.takeoverGraceMs,
    logger: consoleLogger(cfg.logLevel),
    authorizer: {
      authorize(req): AuthResult {
        try {
          const g = verifyGrant(req.stream, req.query, (id) => keys.get(id));
          if ((req.kind === 'publish') !== (g.action === 'push')) {
            return { ok: false, status: 'Unauthorized', reason: 'URL grants another action' };
          }
          return { ok: true, key: streamKey(g.appID, g.streamID), owner: `${g.appID}:${g.userID}`, tag: g };
        } catch (e) {
          return { ok: false, status: 'Unauthorized', reason: isMiniRtcError(e) ? e.message : String(e) };
        }
      },
    },
  });
  await media.listen();
  io.out(`MiniRTC media gateway: rtmp://${cfg.publicHost ?? cfg.host}:${media.rtmpPort}/live`);
  if (media.httpPort !== null) io.out(`  HTTP-FLV on http://${cfg.host}:${media.httpPort}/live/<stream>.flv`);
  io.out(`  apps: ${[...keys.keys()].join(', ') || 'none (no dev app in ' + cfg.dataDir + ')'}`);
  return media;
}

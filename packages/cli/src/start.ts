import { resolve } from 'node:path';
import { generateToken04 } from '@minirtc/protocol/crypto';
import { ADMIN_KEY_FILE, loadOrCreateAdminKey } from './admin-key.js';
import type { ParsedArgs } from './args.js';
import { configFrom, devAppFor } from './commands.js';
import type { Io } from './commands.js';
import { startPlatform } from './platform.js';
import type { Platform } from './platform.js';
import { consoleLogger } from './logger.js';

/** `minirtc start`: the whole platform on the configured (by default embedded, loopback) settings. */
export async function startCommand(args: ParsedArgs, io: Io): Promise<Platform> {
  const cfg = configFrom(args, io);
  const dev = cfg.devApp ? devAppFor(cfg) : undefined;
  const adminKey = cfg.api.adminKey ?? loadOrCreateAdminKey(resolve(cfg.dataDir));
  const platform = await startPlatform(cfg, {
    apps: dev ? [{ appID: dev.appID, serverSecret: dev.serverSecret, name: 'dev' }] : [],
    logger: consoleLogger(cfg.logLevel),
    adminKey,
  });
  const s = platform.server;
  io.out('MiniRTC is running');
  io.out(`  signaling  ${s.wsUrl}${s.publicWsUrl !== s.wsUrl ? `  (public: ${s.publicWsUrl})` : ''}`);
  if (cfg.tls)
    io.out(`  tls        ${cfg.tls.cert} (reload: kill -HUP ${process.pid}, or replace the files)`);
  io.out(`  node       ${s.nodeId}`);
  if (s.opsUrl)
    io.out(`  ops        ${s.opsUrl}/healthz, ${s.opsUrl}/readyz, ${s.opsUrl}/metrics (plain HTTP)`);
  io.out(
    `  http       ${s.httpUrl}  (health: ${s.httpUrl}/healthz, ready: ${s.httpUrl}/readyz, SDK logs: ${s.httpUrl}/httplog)`,
  );
  io.out(
    `  api        ${s.httpUrl}/api/v1  (OpenAPI: ${s.httpUrl}/api/v1/openapi.json, metrics: ${s.httpUrl}/metrics)`,
  );
  if (platform.consoleDir) io.out(`  console    ${s.httpUrl}/console/  (from ${platform.consoleDir})`);
  else io.out('  console    not built (npm run build -w packages/console), or set consoleDir');
  io.out(
    cfg.api.adminKey
      ? '  admin key  (from config api.adminKey)'
      : `  admin key  ${adminKey}  (kept in ${cfg.dataDir}/${ADMIN_KEY_FILE})`,
  );
  if (platform.media)
    io.out(
      `  rtmp       rtmp://${cfg.rtmp.host ?? cfg.host}:${platform.media.rtmpPort}/live  (clients get: ${
        cfg.rtmp.publicBase ?? `rtmp://${cfg.publicHost ?? cfg.host}:${platform.media.rtmpPort}/live`
      })`,
    );
  else io.out('  rtmp       disabled (external media server)');
  if (dev) {
    const sample = generateToken04({
      appID: dev.appID,
      userID: 'user1',
      secret: dev.serverSecret,
      ttlSeconds: 86400,
    });
    io.out('Dev app (kept in ' + cfg.dataDir + '/dev-app.json):');
    io.out(`  AppID         ${dev.appID}`);
    io.out(`  ServerSecret  ${dev.serverSecret}`);
    io.out(`  token for user1 (24 h): ${sample}`);
    io.out(`  more tokens:  npx minirtc token --user <userID> [--room <roomID>] [--ttl 3600]`);
  }
  return platform;
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Platform, startPlatform } from '@minirtc/cli';
import { adminApi } from '@minirtc/testkit';

/** The platform the console talks to, with what the tests need to reach it. */
export interface ConsolePlatform {
  platform: Platform;
  /** `http://127.0.0.1:<port>`. */
  httpUrl: string;
  /** `http://127.0.0.1:<port>/console/`. */
  consoleUrl: string;
  /** Calls the REST API from Node with the admin key (to cross-check what the UI shows). */
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
}

/** The `nodeId` the console's platform runs as. */
export const CONSOLE_NODE_ID = 'console-node-1';

/** Starts the real platform on port 0 (RTMP on port 0) serving the built console from `consoleDir`. */
export async function startConsolePlatform(consoleDir: string, adminKey: string): Promise<ConsolePlatform> {
  const config = loadConfig({
    flags: {
      port: '0',
      'rtmp.port': '0',
      dataDir: mkdtempSync(join(tmpdir(), 'minirtc-console-e2e-')),
      logLevel: 'silent',
      consoleDir,
      // Shown in the Node column of the room's users and on its streams.
      nodeId: CONSOLE_NODE_ID,
      // A failed webhook waits for the console's replay instead of an automatic retry racing it.
      'webhooks.retryBaseMs': '600000',
      // The test's webhook receiver listens on loopback.
      'security.webhookAllowPrivate': 'true',
    },
  });
  const platform = await startPlatform(config, { adminKey });
  const httpUrl = platform.server.httpUrl;
  return {
    platform,
    httpUrl,
    consoleUrl: `${httpUrl}/console/`,
    api: <T>(method: string, path: string, body?: unknown) =>
      adminApi<T>(httpUrl, adminKey, method, path, body),
  };
}

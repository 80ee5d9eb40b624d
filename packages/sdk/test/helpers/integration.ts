import { generateToken04, makeRoomPayload } from '@minirtc/protocol/crypto';
import { MemoryAppStore, MiniRtcServer } from '@minirtc/server';
import type { ServerOptions } from '@minirtc/server';
import { type EngineOptions, ZegoExpressEngine, createNodePlatform } from '../../src/index.js';
import type { Platform, PlatformSocket } from '../../src/platform.js';
import { failedSocket } from '../../src/platform-browser.js';

export const APP_ID = 1234567;
export const SECRET = 'fa94dd0f974cf2e293728a526b028271';
export const OTHER_APP_ID = 7654321;
export const OTHER_SECRET = '0123456789abcdef0123456789abcdef';

/** A real server on 127.0.0.1:0 with two apps and short, test-friendly timings. */
export async function startServer(opts: Partial<ServerOptions> = {}): Promise<MiniRtcServer> {
  const apps = new MemoryAppStore([
    { appID: APP_ID, serverSecret: SECRET },
    { appID: OTHER_APP_ID, serverSecret: OTHER_SECRET },
  ]);
  const server = new MiniRtcServer({
    port: 0,
    apps,
    heartbeatMs: 300,
    heartbeatTimeoutMs: 5000,
    resumeGraceMs: 5000,
    ...opts,
  });
  await server.listen();
  return server;
}

/** A token04 for the test app (room payload unless `basic`). */
export function token(
  userID: string,
  roomID: string,
  opts: { canPublish?: boolean; appID?: number; secret?: string; ttl?: number; now?: number } = {},
): string {
  return generateToken04({
    appID: opts.appID ?? APP_ID,
    userID,
    secret: opts.secret ?? SECRET,
    ttlSeconds: opts.ttl ?? 3600,
    ...(opts.now !== undefined ? { now: opts.now } : {}),
    payload: makeRoomPayload(roomID, opts.canPublish ?? true),
  });
}

/** The Node platform with a gate: while closed, connects fail at once (a device with no network). */
export function gatedPlatform(): { platform: Platform; gate: { open: boolean } } {
  const base = createNodePlatform();
  const gate = { open: true };
  const platform: Platform = {
    ...base,
    connect(url: string): PlatformSocket {
      return gate.open ? base.connect(url) : failedSocket();
    },
  };
  return { platform, gate };
}

/** An engine on the Node platform (gated), quiet logs, short timings. */
export function makeEngine(
  server: MiniRtcServer | string | string[],
  opts: EngineOptions = {},
): { engine: ZegoExpressEngine; gate: { open: boolean } } {
  const { platform, gate } = gatedPlatform();
  const url = typeof server === 'string' || Array.isArray(server) ? server : server.wsUrl;
  const engine = new ZegoExpressEngine(APP_ID, url, {
    platform,
    log: { logLevel: 'disable', remoteLogLevel: 'disable' },
    heartbeatTimeoutMs: 4000,
    loginTimeoutMs: 5000,
    requestTimeoutMs: 5000,
    backoff: { baseMs: 100, maxMs: 400, jitter: 0.2 },
    ...opts,
  });
  return { engine, gate };
}

/** Logs an engine in as `userID` to `roomID`. */
export async function loginAs(
  engine: ZegoExpressEngine,
  userID: string,
  roomID: string,
  config: { userUpdate?: boolean; maxMemberCount?: number } = { userUpdate: true },
  tokenOpts: Parameters<typeof token>[2] = {},
): Promise<void> {
  await engine.loginRoom(
    roomID,
    token(userID, roomID, tokenOpts),
    { userID, userName: `name-${userID}` },
    config,
  );
}

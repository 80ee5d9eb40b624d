import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCode, MiniRtcError, checkRoomID } from '@minirtc/protocol';
import { generateToken04 } from '@minirtc/protocol/crypto';
import { runSimulation } from '@minirtc/simulator';
import type { Simulation } from '@minirtc/simulator';
import type { ParsedArgs } from './args.js';
import { configFrom } from './commands.js';
import type { Io } from './commands.js';
import { readDevApp } from './dev-app.js';
import { startPlatform } from './platform.js';
import type { Platform } from './platform.js';

/** A running `minirtc simulate`. */
export interface RunningSimulation {
  simulation: Simulation;
  /** The embedded platform, when no `--server` was given. */
  platform?: Platform;
  close(): Promise<void>;
}

const OWN = ['users', 'room', 'server', 'app-id', 'secret', 'taps', 'ws'];

/**
 * `minirtc simulate <dir> --users N --room R`: runs N instances of a mini-program and prints their
 * events. Without `--server`, an embedded platform (signaling + RTMP on ephemeral loopback ports, a
 * throw-away app) is started in the same process, so `simulate examples/alipay-1v1` works on its own.
 * `--taps "A1,A2|B1"` lists button texts per user (`|` between users; the last list repeats).
 */
export async function simulateCommand(args: ParsedArgs, io: Io): Promise<RunningSimulation> {
  const dir = args.positional[1];
  if (!dir)
    throw new MiniRtcError(
      ErrorCode.INVALID_PARAM,
      'usage: minirtc simulate <mini-program dir> --users N --room R',
    );
  const users = Number(args.options.users ?? 2);
  if (!Number.isInteger(users) || users < 1 || users > 50) {
    throw new MiniRtcError(ErrorCode.INVALID_PARAM, '--users must be a whole number from 1 to 50');
  }
  const room = checkRoomID(args.options.room ?? 'room1');
  let platform: Platform | undefined;
  let appID: number;
  let secret: string;
  let server: string;
  if (args.options.server) {
    server = args.options.server;
    const cfg = configFrom(args, io, OWN);
    const dev = readDevApp(resolve(cfg.dataDir));
    secret = args.options.secret ?? dev?.serverSecret ?? '';
    appID = Number(args.options['app-id'] ?? dev?.appID);
    if (!secret || !Number.isInteger(appID)) {
      throw new MiniRtcError(
        ErrorCode.INVALID_PARAM,
        'with --server, pass --app-id and --secret (or run it beside "minirtc start")',
      );
    }
  } else {
    const cfg = configFrom(
      {
        positional: [],
        options: {
          port: '0',
          'rtmp.port': '0',
          logLevel: 'warn',
          dataDir: mkdtempSync(join(tmpdir(), 'minirtc-sim-')),
        },
      },
      io,
    );
    appID = 1000 + Math.floor(Math.random() * 1_000_000);
    secret = Array.from({ length: 32 }, () => 'abcdef0123456789'[Math.floor(Math.random() * 16)]).join('');
    platform = await startPlatform(cfg, { apps: [{ appID, serverSecret: secret, name: 'simulate' }] });
    server = platform.server.wsUrl;
    io.out(`embedded platform: ${server} (AppID ${appID})`);
  }
  const tapLists = args.options.taps?.split('|').map((l) =>
    l
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  );
  const simulation = await runSimulation(resolve(dir), {
    users,
    room,
    server,
    appID,
    tokenFor: (userID) => generateToken04({ appID, userID, secret, ttlSeconds: 3600 }),
    ...(tapLists ? { taps: (i: number) => tapLists[Math.min(i, tapLists.length - 1)] ?? [] } : {}),
    onEvent: (e) => io.out(`[${e.user}] ${e.event}: ${e.text}`),
  });
  return {
    simulation,
    ...(platform ? { platform } : {}),
    async close() {
      await simulation.close();
      await platform?.close();
    },
  };
}

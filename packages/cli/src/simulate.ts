import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCode, MiniRtcError, checkRoomID } from '@minirtc/protocol';
import { generateToken04 } from '@minirtc/protocol/crypto';
import {
  type DeviceRules,
  formatSummary,
  loadScenarioFile,
  parseScenario,
  runScenario,
  runSimulation,
  type Scenario,
  type ScenarioResult,
  type Simulation,
  type SimulationEvent,
} from '@minirtc/simulator';
import type { ParsedArgs } from './args.js';
import { configFrom } from './commands.js';
import type { Io } from './commands.js';
import { readDevApp } from './dev-app.js';
import { startPlatform } from './platform.js';
import type { Platform } from './platform.js';

/** A running `minirtc simulate` without a verdict (no scenario, no `--duration`): runs until a signal. */
export interface RunningSimulation {
  simulation: Simulation;
  /** The embedded platform, when no `--server` was given. */
  platform?: Platform;
  close(): Promise<void>;
}

/** Usage of `minirtc simulate`, printed by `--help`. */
export const SIMULATE_USAGE = `minirtc simulate [<mini-program dir>] [options]

Runs a mini-program in simulated phones against a MiniRTC server: real sockets, real ffmpeg media in
every <rtc-room>. Without --server an embedded platform (signaling + RTMP on loopback) is started.

With a scenario (YAML; see packages/simulator/README.md "Scenario files"):
  --scenario FILE        what each user does and what must hold; prints a summary per user and exits
                         0 when every user passed, 1 otherwise. The directory defaults to the file's "app".
Without one:
  --users N              phones to start (default 2), users user1…userN
  --taps "A,B|C"         button texts each user taps in order ("|" between users; the last list repeats)
Both:
  --room R               the room (default: room1, or the scenario's)
  --duration D           keep the call up for D after the steps (e.g. 30s, 500ms, 2m; a bare number is
                         seconds), then print the summary and exit 0/1. Without a scenario and without
                         --duration, runs until Ctrl-C.
  --device-rules         refuse what a phone refuses: ws:// sockets (error 20), http:// requests (11),
                         domains outside --allowed-domains. Without it each broken rule is one warning.
  --allowed-domains L    the mini-program's domain whitelist, comma-separated (with --device-rules)
  --server URL --app-id N --secret S
                         use a running server (default: the embedded one; or beside "minirtc start")
  --media-file F         what every <rtc-room> pushes (looped) instead of a test pattern and tone
  --json                 print the summary as JSON instead of a table
  --quiet                print only warnings, errors and the summary, not every event
  --help                 this text`;

/** The options of `minirtc simulate`, parsed and validated: all command-line handling is here. */
export interface SimulateOptions {
  help: boolean;
  dir: string | undefined;
  scenario: string | undefined;
  users: number;
  room: string | undefined;
  taps: string[][] | undefined;
  durationMs: number | undefined;
  deviceRules: DeviceRules | undefined;
  server: string | undefined;
  appID: number | undefined;
  secret: string | undefined;
  mediaFile: string | undefined;
  json: boolean;
  quiet: boolean;
}

const OWN = [
  'users',
  'room',
  'server',
  'app-id',
  'secret',
  'taps',
  'ws',
  'scenario',
  'duration',
  'device-rules',
  'allowed-domains',
  'media-file',
  'json',
  'quiet',
  'help',
];

function bad(message: string): MiniRtcError {
  return new MiniRtcError(ErrorCode.INVALID_PARAM, message);
}

/** `30s`, `500ms`, `2m`, or a bare number of seconds, in milliseconds. */
export function parseDuration(raw: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  if (m === null) throw bad(`${what} must be a duration such as 30s, 500ms or 2m`);
  const n = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
  if (n > 24 * 3_600_000) throw bad(`${what} must be at most 24 h`);
  return Math.round(n);
}

/** Reads `minirtc simulate`'s options from the parsed command line. */
export function parseSimulateOptions(args: ParsedArgs): SimulateOptions {
  const o = args.options;
  const flag = (name: string): boolean => o[name] !== undefined && o[name] !== 'false';
  const users = Number(o.users ?? 2);
  if (!Number.isInteger(users) || users < 1 || users > 50)
    throw bad('--users must be a whole number from 1 to 50');
  const appID = o['app-id'] === undefined ? undefined : Number(o['app-id']);
  if (appID !== undefined && !(Number.isInteger(appID) && appID > 0))
    throw bad('--app-id must be a positive integer');
  const domains = o['allowed-domains']
    ?.split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  const enforce = flag('device-rules');
  return {
    help: flag('help'),
    dir: args.positional[1],
    scenario: o.scenario,
    users,
    room: o.room === undefined ? undefined : checkRoomID(o.room),
    taps: o.taps?.split('|').map((l) =>
      l
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
    durationMs: o.duration === undefined ? undefined : parseDuration(o.duration, '--duration'),
    deviceRules: enforce || domains !== undefined ? { enforce, ...(domains ? { domains } : {}) } : undefined,
    server: o.server,
    appID,
    secret: o.secret,
    mediaFile: o['media-file'],
    json: flag('json'),
    quiet: flag('quiet'),
  };
}

interface Backend {
  server: string;
  appID: number;
  secret: string;
  platform?: Platform;
  close(): Promise<void>;
}

async function startBackend(opts: SimulateOptions, args: ParsedArgs, io: Io): Promise<Backend> {
  if (opts.server !== undefined) {
    const cfg = configFrom(args, io, OWN);
    const dev = readDevApp(resolve(cfg.dataDir));
    const secret = opts.secret ?? dev?.serverSecret ?? '';
    const appID = opts.appID ?? dev?.appID;
    if (!secret || appID === undefined) {
      throw bad('with --server, pass --app-id and --secret (or run it beside "minirtc start")');
    }
    return { server: opts.server, appID, secret, close: async () => {} };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'minirtc-sim-'));
  const cfg = configFrom(
    { positional: [], options: { port: '0', 'rtmp.port': '0', logLevel: 'warn', dataDir } },
    io,
  );
  const appID = randomInt(1000, 1_001_000);
  const secret = randomBytes(16).toString('hex');
  const platform = await startPlatform(cfg, { apps: [{ appID, serverSecret: secret, name: 'simulate' }] });
  io.out(`embedded platform: ${platform.server.wsUrl} (AppID ${appID})`);
  return {
    server: platform.server.wsUrl,
    appID,
    secret,
    platform,
    async close() {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// Without a scenario, --users/--taps make one: user1…userN tapping their lists in order.
function implicitScenario(opts: SimulateOptions): Scenario {
  const users: Record<string, unknown> = {};
  for (let i = 0; i < opts.users; i++) {
    const taps = opts.taps?.[Math.min(i, opts.taps.length - 1)] ?? [];
    users[`user${i + 1}`] = { steps: taps.map((tap) => ({ tap })) };
  }
  return parseScenario({ users }, 'the command line');
}

function printer(io: Io, quiet: boolean): (e: SimulationEvent) => void {
  return (e) => {
    if (quiet && e.event !== 'warning' && e.event !== 'error') return;
    io.out(`[${e.user}] ${e.event}: ${e.text}`);
  };
}

function report(result: ScenarioResult, opts: SimulateOptions, io: Io): number {
  if (opts.json) io.out(JSON.stringify(result));
  else {
    const head = `== summary: room ${result.room}, ${(result.elapsedMs / 1000).toFixed(1)} s, ${result.passed ? 'PASSED' : 'FAILED'}`;
    for (const line of formatSummary(result.users, head)) io.out(line);
  }
  return result.passed ? 0 : 1;
}

/**
 * `minirtc simulate`: with a scenario file or `--duration`, runs to a verdict and returns the exit code
 * (0 every user passed, 1 otherwise); otherwise starts the phones and returns the running simulation,
 * which the caller keeps up until a signal. `--help` prints {@link SIMULATE_USAGE}.
 */
export async function simulateCommand(args: ParsedArgs, io: Io): Promise<RunningSimulation | number> {
  const opts = parseSimulateOptions(args);
  if (opts.help) {
    io.out(SIMULATE_USAGE);
    return 0;
  }
  const scenario = opts.scenario !== undefined ? await loadScenarioFile(resolve(opts.scenario)) : undefined;
  const dir = opts.dir ?? scenario?.app;
  if (dir === undefined) {
    throw bad(`name the mini-program directory (or give the scenario an "app")\n\n${SIMULATE_USAGE}`);
  }
  const backend = await startBackend(opts, args, io);
  const tokenFor = (userID: string) =>
    generateToken04({ appID: backend.appID, userID, secret: backend.secret, ttlSeconds: 3600 });
  const simulator = opts.mediaFile !== undefined ? { mediaFile: resolve(opts.mediaFile) } : {};
  if (scenario !== undefined || opts.durationMs !== undefined) {
    try {
      const result = await runScenario(scenario ?? implicitScenario(opts), {
        appDir: resolve(dir),
        server: backend.server,
        appID: backend.appID,
        tokenFor,
        ...(opts.room !== undefined ? { room: opts.room } : {}),
        ...(opts.deviceRules !== undefined ? { deviceRules: opts.deviceRules } : {}),
        ...(opts.durationMs !== undefined ? { durationMs: opts.durationMs } : {}),
        onEvent: printer(io, opts.quiet),
        simulator,
      });
      return report(result, opts, io);
    } finally {
      await backend.close();
    }
  }
  let simulation: Simulation;
  try {
    simulation = await runSimulation(resolve(dir), {
      users: opts.users,
      room: opts.room ?? 'room1',
      server: backend.server,
      appID: backend.appID,
      tokenFor,
      ...(opts.taps ? { taps: (i: number) => opts.taps![Math.min(i, opts.taps!.length - 1)] ?? [] } : {}),
      onEvent: printer(io, opts.quiet),
      simulator: {
        ...simulator,
        ...(opts.deviceRules !== undefined ? { deviceRules: opts.deviceRules } : {}),
      },
    });
  } catch (e) {
    await backend.close();
    throw e;
  }
  return {
    simulation,
    ...(backend.platform ? { platform: backend.platform } : {}),
    async close() {
      await simulation.close();
      await backend.close();
    },
  };
}

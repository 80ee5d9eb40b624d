import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateToken04 } from '@minirtc/protocol/crypto';
import {
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
import { bad, parseSimulateOptions, SIMULATE_OWN_OPTIONS, type SimulateOptions } from './simulate-options.js';
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

interface Backend {
  server: string;
  appID: number;
  secret: string;
  platform?: Platform;
  close(): Promise<void>;
}

async function startBackend(opts: SimulateOptions, args: ParsedArgs, io: Io): Promise<Backend> {
  if (opts.server !== undefined) {
    const cfg = configFrom(args, io, SIMULATE_OWN_OPTIONS);
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
  return parseScenario({ room: opts.room ?? 'room1', users }, 'the command line');
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
 * which the caller keeps up until a signal.
 */
export async function simulateCommand(args: ParsedArgs, io: Io): Promise<RunningSimulation | number> {
  const opts = parseSimulateOptions(args);
  const scenario = opts.scenario !== undefined ? await loadScenarioFile(resolve(opts.scenario)) : undefined;
  const dir = opts.dir ?? scenario?.app;
  if (dir === undefined) {
    throw bad('name the mini-program directory (or give the scenario an "app"); see minirtc simulate --help');
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

import { isMiniRtcError } from '@minirtc/protocol';
import { CommanderError } from 'commander';
import type { ParsedArgs } from './args.js';
import { configCommand, signCommand, tokenCommand } from './commands.js';
import type { Io } from './commands.js';
import { buildProgram } from './program.js';
import { LOADTEST_HELP, LOADTEST_OPTIONS } from './loadtest-options.js';
import { SIMULATE_HELP, SIMULATE_OPTIONS } from './simulate-options.js';
import type { CommandSpec } from './program.js';

/**
 * Keeps a long-running command up until SIGINT/SIGTERM, then closes it and exits. SIGHUP reloads
 * what can be reloaded without a restart (the TLS certificate); SIGUSR2 drains a media node (no new
 * placements, running calls go on).
 */
function closeOnSignal(running: {
  close(): Promise<void>;
  reload?: () => Promise<unknown>;
  drain?: () => Promise<void>;
}): void {
  if (running.reload) {
    const reload = running.reload;
    process.on('SIGHUP', () => void reload());
  }
  if (running.drain) {
    const drain = running.drain;
    process.on('SIGUSR2', () => void drain().catch(() => undefined));
  }
  const stop = () => {
    // A close that stalls (a peer that never answers) must not keep the process alive.
    setTimeout(() => process.exit(1), 10_000).unref();
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Options of the commands that take app credentials (default: the dev app of the data dir). */
const APP_OPTIONS: [string, string][] = [
  ['--app-id <appID>', 'AppID (with --secret; default: the dev app of the data dir)'],
  ['--secret <secret>', 'the app’s ServerSecret (env MINIRTC_SERVER_SECRET)'],
];

/** Every command: help text, options, and how it runs. Long-running ones resolve when started. */
function commands(io: Io): CommandSpec[] {
  const longRunning =
    (load: () => Promise<(args: ParsedArgs, io: Io) => Promise<{ close(): Promise<void> }>>) =>
    async (args: ParsedArgs) => {
      closeOnSignal(await (await load())(args, io));
      return 0;
    };
  return [
    {
      name: 'start',
      summary: 'run signaling, the RTMP gateway and the HTTP endpoints (embedded defaults on loopback)',
      options: [],
      config: true,
      run: longRunning(async () => (await import('./start.js')).startCommand),
    },
    {
      name: 'media',
      summary:
        'run only the RTMP/HTTP-FLV gateway (registers in Redis with state.redisUrl, for several media nodes)',
      options: [
        [
          '--signaling-url <url>',
          'authorize every publish/play through this signaling node (its /hooks/srs); several, comma-separated, fail over',
        ],
        ['--http-port <port>', 'also serve HTTP-FLV on this port'],
        [
          '--drain',
          'with state.redisUrl: take no new streams, let running ones finish (SIGUSR2 drains a running node)',
        ],
      ],
      config: true,
      run: longRunning(async () => (await import('./media.js')).mediaCommand),
    },
    {
      name: 'token',
      summary: 'print a token04',
      options: [
        ['--user <userID>', 'the token’s user (required)'],
        ['--room <roomID>', 'limit the token to this room'],
        ['--publish <bool>', 'grant publishing in the room (default true)'],
        ['--streams <a,b>', 'streamIDs the token may publish'],
        ['--ttl <seconds>', 'lifetime (default 3600)'],
        ['--mode <gcm|cbc>', 'encryption (default gcm)'],
        ...APP_OPTIONS,
      ],
      config: true,
      run: async (args) => tokenCommand(args, io),
    },
    {
      name: 'sign',
      summary: 'print a signed stream URL (for testing gateways and external media servers)',
      options: [
        ['--stream <streamID>', 'the stream (required)'],
        ['--user <userID>', 'who pushes or plays (required)'],
        ['--room <roomID>', 'the room (required)'],
        ['--action <push|play>', 'what the URL grants (default push)'],
        ['--ttl <seconds>', 'lifetime (default 600)'],
        ['--base <url>', 'URL base (default rtmp://127.0.0.1:1935/live)'],
        ['--session <id>', 'session named in the grant (default cli)'],
        ...APP_OPTIONS,
      ],
      config: true,
      run: async (args) => signCommand(args, io),
    },
    {
      name: 'config',
      summary: 'print the effective configuration',
      options: [['--keys', 'also list every key with its environment variable']],
      config: true,
      run: async (args) => configCommand(args, io),
    },
    {
      name: 'simulate',
      summary: 'run a mini-program in simulated phones, scripted by a scenario file',
      args: '[dir]',
      options: [...SIMULATE_OPTIONS, ...APP_OPTIONS],
      help: SIMULATE_HELP,
      config: true,
      run: async (args) => {
        const run = await (await import('./simulate.js')).simulateCommand(args, io);
        if (typeof run === 'number') return run; // a verdict: scenario or --duration
        closeOnSignal(run);
        return 0;
      },
    },
    {
      name: 'loadtest',
      summary: 'signaling load test: N users into R rooms at a rate, broadcasts; latency, logins/s, RSS',
      options: [...LOADTEST_OPTIONS, ...APP_OPTIONS],
      help: LOADTEST_HELP,
      config: true,
      run: async (args) => (await import('./loadtest.js')).loadtestCommand(args, io),
    },
    {
      name: 'doctor',
      summary:
        'check that ffmpeg, ffprobe and the ports are usable; --url checks a deployment (TLS, WSS, RTMP, clock)',
      options: [
        ['--url <https://host>', 'check a running deployment from outside instead of this machine'],
        ['--ca <file>', 'with --url: also trust this CA (PEM), for a private CA'],
        ['--rtmp <host:port>', "with --url: the RTMP address (default the URL's host, port 1935)"],
      ],
      config: true,
      run: async (args) => (await import('./doctor.js')).doctorCommand(args, io),
    },
  ];
}

/** Runs one CLI command; long-running ones resolve when started. Returns the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  let result: Promise<number> | undefined;
  const program = buildProgram(commands(io), io, (r) => {
    result = r;
  });
  if (argv.length === 0) {
    io.out(program.helpInformation().replace(/\n$/, ''));
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return result ? await result : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and `help` exit 0; an unknown command is a usage error (2); a bad option fails (1).
      if (e.exitCode === 0) return 0;
      return e.code === 'commander.unknownCommand' ? 2 : e.exitCode;
    }
    if (isMiniRtcError(e)) {
      io.err(`error ${e.code}: ${e.message}`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    if (err && (err.code === 'EADDRINUSE' || err.code === 'EACCES')) {
      io.err(`error: cannot listen: ${err.message}`);
      return 1;
    }
    throw e;
  }
}

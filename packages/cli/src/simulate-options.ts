import { ErrorCode, MiniRtcError, checkRoomID } from '@minirtc/protocol';
import type { DeviceRules } from '@minirtc/simulator';
import type { ParsedArgs } from './args.js';

/**
 * The command line of `minirtc simulate`: its options for the program's help, the text after them, and
 * their parsing into {@link SimulateOptions}. Kept apart from simulate.ts so that listing the commands
 * does not load the simulator.
 */
export const SIMULATE_OPTIONS: [string, string][] = [
  ['--scenario <file>', 'a scenario (YAML): what each user does and what must hold; ends with a verdict'],
  ['--users <n>', 'without a scenario: simulated phones, 1–50 (default 2), users user1…userN'],
  [
    '--taps <A,B|C>',
    'without a scenario: button texts each user taps (| between users; the last list repeats)',
  ],
  ['--room <roomID>', 'the room (default: room1, or the scenario’s)'],
  [
    '--duration <d>',
    'keep the call up for d after the steps (30s, 500ms, 2m; a number is seconds), then judge',
  ],
  ['--device-rules', 'refuse what a phone refuses: ws:// (error 20), http:// (11), domains not allowed'],
  ['--allowed-domains <a,b>', 'the mini-program’s domain whitelist (with --device-rules)'],
  ['--server <ws-url>', 'an existing signaling server (default: an embedded platform)'],
  ['--media-file <file>', 'what every <rtc-room> pushes (looped) instead of a test pattern and tone'],
  ['--json', 'print the summary as JSON'],
  ['--quiet', 'print only warnings, errors and the summary'],
];

/** Printed after the options by `minirtc simulate --help`. */
export const SIMULATE_HELP = `
Runs a mini-program in simulated phones against a MiniRTC server: real sockets, real ffmpeg media in
every <rtc-room>. The directory defaults to the scenario's "app".

With --scenario or --duration it ends with a summary per user (steps, <rtc-room> codes, frames and fps
decoded, time to first frame, app errors) and exits 0 when every user passed, 1 otherwise. Without
either it prints every event and runs until Ctrl-C. Without --device-rules each network rule the app
breaks is one warning line. Scenario files: packages/simulator/README.md "Scenario files".`;

/** The options of `minirtc simulate`, parsed and validated. */
export interface SimulateOptions {
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

/** Options that are the command's own, not configuration keys. */
export const SIMULATE_OWN_OPTIONS = [
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
];

/** An invalid command line (code INVALID_PARAM). */
export function bad(message: string): MiniRtcError {
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

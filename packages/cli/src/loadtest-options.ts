import { existsSync, statSync } from 'node:fs';
import type { ParsedArgs } from './args.js';
import { bad, parseDuration } from './simulate-options.js';

/**
 * The command line of `minirtc loadtest`: its options for the program's help and their parsing into
 * {@link LoadtestOptions}. Kept apart from loadtest.ts so that listing the commands loads nothing else.
 */
export const LOADTEST_OPTIONS: [string, string][] = [
  ['--users <n>', 'simulated users, 1–20000 (default 100), one WebSocket each'],
  ['--rooms <r>', 'rooms the users are spread over, round robin (default 1)'],
  ['--rate <n>', 'logins started per second (default 100)'],
  ['--messages <n>', 'after the logins, broadcast messages each room’s first user sends (default 0)'],
  ['--user-update', 'log in with config.userUpdate (per-user ADD/DELETE pushes)'],
  [
    '--publishers <n>',
    'after the logins, this many users (the first ones, so spread over the rooms) publish a stream with real media over RTMP (default 0; needs ffmpeg)',
  ],
  [
    '--media <file>',
    'what the publishers push, looped with -c copy (default: a synthetic 320x240 ~300 kbps H.264/AAC clip)',
  ],
  ['--hold <d>', 'stay logged in this long after the logins and messages (30s, 500ms; default 0)'],
  [
    '--server <ws-url[,ws-url…]>',
    'existing signaling node(s) (default: start one, rtmp off, in a child process); with several, each room’s members are spread over them round robin',
  ],
  ['--json', 'print the summary as JSON'],
];

/** Printed after the options by `minirtc loadtest --help`. */
export const LOADTEST_HELP = `
Signaling load test (in the spirit of LiveKit's "lk load-test"): opens one WebSocket per user at the
given rate, logs each in to its room, optionally sends broadcasts, prints a progress line each second,
then a summary: login latency p50/p99 (socket open → login reply), logins/s reached, broadcast fan-out
latency p50/p99/max (send → arrival at each other member), pushes received, and server RSS per idle
session (from the server's /metrics: before the logins and after them).

Without --server it starts "minirtc start" in a child process (port 0, RTMP, recording and mixing off,
a temporary data dir, security.wsUnauthenticatedPerAddress raised to --users: every user comes from
127.0.0.1) with any configuration flags given here, and uses its dev app. With --server pass --app-id
and --secret, and raise that server's security.wsUnauthenticated* caps the same way. Several
--server URLs (nodes sharing state.redisUrl) put the k-th member of every room on node k mod n, so
with two nodes every 2-person room spans both and broadcasts cross between nodes.

--publishers n: after the logins, users 0 … n−1 ask signaling for a push URL and ffmpeg pushes the
media to it (ten publishers per ffmpeg, stream copy); the summary adds how many went live (the
server's own "live" push to the publisher, sent once media arrived) and the time from starting the push
to it. The server started without --server then runs its RTMP gateway on a free port.
Figures on a machine shared with other work are not representative: compare runs from one session.`;

/** The options of `minirtc loadtest`, parsed and validated. */
export interface LoadtestOptions {
  users: number;
  rooms: number;
  rate: number;
  messages: number;
  userUpdate: boolean;
  /** Users that publish media after the logins. */
  publishers: number;
  /** File the publishers push; undefined: a synthetic clip. */
  media: string | undefined;
  holdMs: number;
  /** Signaling node(s) to load, `ws(s)://…/ws`; undefined: start one. */
  servers: string[] | undefined;
  appID: number | undefined;
  secret: string | undefined;
  json: boolean;
}

/** Options that are the command's own, not configuration keys. */
export const LOADTEST_OWN_OPTIONS = [
  'users',
  'rooms',
  'rate',
  'messages',
  'user-update',
  'publishers',
  'media',
  'hold',
  'server',
  'app-id',
  'secret',
  'json',
];

function whole(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max)
    throw bad(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

function mediaFile(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!existsSync(raw) || !statSync(raw).isFile()) throw bad(`--media: no such file: ${raw}`);
  return raw;
}

/** Reads `minirtc loadtest`'s options from the parsed command line. */
export function parseLoadtestOptions(args: ParsedArgs): LoadtestOptions {
  const o = args.options;
  const flag = (name: string): boolean => o[name] !== undefined && o[name] !== 'false';
  const users = whole(o.users, 'users', 100, 1, 20_000);
  const rooms = whole(o.rooms, 'rooms', 1, 1, users);
  const servers = o.server?.split(',').map((u) => u.trim());
  if (servers !== undefined && (servers.length > 16 || !servers.every((u) => /^wss?:\/\/[^\s,]+$/.test(u))))
    throw bad('--server must be a ws:// or wss:// URL, or up to 16 of them separated by commas');
  const appID = o['app-id'] === undefined ? undefined : whole(o['app-id'], 'app-id', 0, 1, 0xffffffff);
  if (servers !== undefined && (appID === undefined || o.secret === undefined))
    throw bad('--server needs --app-id and --secret');
  return {
    users,
    rooms,
    rate: whole(o.rate, 'rate', 100, 1, 100_000),
    messages: whole(o.messages, 'messages', 0, 0, 1000),
    userUpdate: flag('user-update'),
    publishers: whole(o.publishers, 'publishers', 0, 0, Math.min(users, 500)),
    media: mediaFile(o.media),
    holdMs: o.hold === undefined ? 0 : parseDuration(o.hold, '--hold'),
    servers,
    appID,
    secret: o.secret,
    json: flag('json'),
  };
}

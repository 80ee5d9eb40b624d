import { resolve } from 'node:path';
import { ErrorCode, MiniRtcError, checkRoomID, checkStreamID, checkUserID } from '@minirtc/protocol';
import { generateToken04, makeRoomPayload, signStreamUrl, streamSigningKey } from '@minirtc/protocol/crypto';
import type { Token04Mode } from '@minirtc/protocol/crypto';
import type { ParsedArgs } from './args.js';
import { configKeys, envName, loadConfig } from './config.js';
import type { MiniRtcConfig } from './config.js';
import { type DevApp, loadOrCreateDevApp, readDevApp } from './dev-app.js';

/** Where a command writes (injectable for tests). */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
}

/** Options that belong to the CLI itself, not to the config schema. */
const CLI_OPTIONS = new Set(['config', 'help']);

/** Splits `--rtmp.port 1936`-style flags off the options and loads the config. */
export function configFrom(args: ParsedArgs, io: Io, extraOptions: string[] = []): MiniRtcConfig {
  const flags: Record<string, string> = {};
  for (const [k, v] of Object.entries(args.options)) {
    if (CLI_OPTIONS.has(k) || extraOptions.includes(k)) continue;
    flags[k] = v;
  }
  const file = args.options.config ?? io.env.MINIRTC_CONFIG;
  return loadConfig({ ...(file ? { file } : {}), env: io.env, flags });
}

function num(args: ParsedArgs, name: string, fallback?: number): number {
  const raw = args.options[name];
  if (raw === undefined) {
    if (fallback === undefined) throw new MiniRtcError(ErrorCode.INVALID_PARAM, `--${name} is required`);
    return fallback;
  }
  if (!/^\d+$/.test(raw)) throw new MiniRtcError(ErrorCode.INVALID_PARAM, `--${name} must be a whole number`);
  return Number(raw);
}

/** AppID + secret from flags, else the dev app of the data dir. */
function appCredentials(args: ParsedArgs, io: Io): { appID: number; secret: string } {
  const secret = args.options.secret ?? io.env.MINIRTC_SERVER_SECRET;
  if (secret) return { appID: num(args, 'app-id'), secret };
  const cfg = configFrom(args, io, [
    'app-id',
    'user',
    'room',
    'publish',
    'ttl',
    'mode',
    'streams',
    'stream',
    'action',
    'session',
    'base',
  ]);
  const dev = devAppOf(cfg);
  if (!dev) {
    throw new MiniRtcError(
      ErrorCode.INVALID_PARAM,
      `no --app-id/--secret given and no dev app in ${cfg.dataDir} (devApp is off: pass them)`,
    );
  }
  if (args.options['app-id'] && Number(args.options['app-id']) !== dev.appID) {
    throw new MiniRtcError(
      ErrorCode.INVALID_PARAM,
      `--app-id ${args.options['app-id']} is not the dev app; pass --secret`,
    );
  }
  return { appID: dev.appID, secret: dev.serverSecret };
}

/** `minirtc token`: prints a token04. */
export function tokenCommand(args: ParsedArgs, io: Io): number {
  const { appID, secret } = appCredentials(args, io);
  const userID = checkUserID(args.options.user);
  const ttl = num(args, 'ttl', 3600);
  const mode = (args.options.mode ?? 'gcm') as Token04Mode;
  if (mode !== 'gcm' && mode !== 'cbc')
    throw new MiniRtcError(ErrorCode.INVALID_PARAM, '--mode must be gcm or cbc');
  const room = args.options.room;
  // Privileges live in the room payload: without a room a token grants whatever the server allows by
  // default (publishing included), so a restriction asked for without --room must not pass silently.
  if (!room && (args.options.publish !== undefined || args.options.streams !== undefined)) {
    throw new MiniRtcError(
      ErrorCode.INVALID_PARAM,
      '--publish and --streams restrict a room login: pass --room as well',
    );
  }
  if (
    args.options.publish !== undefined &&
    args.options.publish !== 'true' &&
    args.options.publish !== 'false'
  )
    throw new MiniRtcError(ErrorCode.INVALID_PARAM, '--publish must be true or false');
  const streams = args.options.streams ? args.options.streams.split(',').map((s) => checkStreamID(s)) : null;
  const payload = room ? makeRoomPayload(checkRoomID(room), args.options.publish !== 'false', streams) : '';
  io.out(generateToken04({ appID, userID, secret, ttlSeconds: ttl, payload, mode }));
  // stdout stays the token alone (scripts capture it); the advice goes to stderr.
  if (mode === 'cbc')
    io.err(
      'note: CBC tokens have no integrity check; prefer the default --mode gcm (an app can refuse CBC: refuseCbcTokens)',
    );
  return 0;
}

/** `minirtc sign`: prints a signed stream URL (for testing gateways and external media servers). */
export function signCommand(args: ParsedArgs, io: Io): number {
  const { appID, secret } = appCredentials(args, io);
  const action = args.options.action ?? 'push';
  if (action !== 'push' && action !== 'play')
    throw new MiniRtcError(ErrorCode.INVALID_PARAM, '--action must be push or play');
  const base = args.options.base ?? 'rtmp://127.0.0.1:1935/live';
  // HTTP-FLV URLs name the stream `<id>.flv`; the gateway does not route an HTTP path without it.
  const suffix = /^https?:\/\//i.test(base) ? '.flv' : '';
  const url = signStreamUrl(
    base,
    {
      appID,
      roomID: checkRoomID(args.options.room),
      streamID: checkStreamID(args.options.stream),
      action,
      userID: checkUserID(args.options.user),
      sessionID: args.options.session ?? 'cli',
      expire: Math.floor(Date.now() / 1000) + num(args, 'ttl', 600),
    },
    streamSigningKey(secret),
    suffix,
  );
  io.out(url);
  return 0;
}

/** `minirtc config`: prints the effective configuration and where each key can be set. */
export function configCommand(args: ParsedArgs, io: Io): number {
  const cfg = configFrom(args, io, ['keys']);
  io.out(JSON.stringify(cfg, null, 2));
  if (args.options.keys === 'true') {
    for (const k of configKeys) io.out(`  --${k.padEnd(30)} ${envName(k)}`);
  }
  return 0;
}

/**
 * The data dir's dev app: created on first use when `devApp` is on (the default), exactly as
 * `start` does, so `token`, `sign` and `media` work on a fresh clone; read-only otherwise.
 */
export function devAppOf(cfg: MiniRtcConfig): DevApp | undefined {
  return cfg.devApp ? loadOrCreateDevApp(resolve(cfg.dataDir)) : readDevApp(resolve(cfg.dataDir));
}

/** Ensures the dev app exists and returns it (used by `start`). */
export function devAppFor(cfg: MiniRtcConfig) {
  return loadOrCreateDevApp(resolve(cfg.dataDir));
}

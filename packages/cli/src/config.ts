import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { ErrorCode, MiniRtcError, arr, bool, int, obj, optional, refine, str } from '@minirtc/protocol';
import type { Infer } from '@minirtc/protocol';
import { DEFAULT_FANOUT_SLICE, DEFAULT_PUSH_BACKLOG_MAX, SIGNALING_DEFAULTS } from '@minirtc/server';
import { parse as parseYaml } from 'yaml';
import { defaultSecurityConfig, securitySchema } from './security-config.js';

/**
 * The one typed configuration of a MiniRTC node. Sources, later wins: built-in defaults → config file
 * (YAML or JSON) → `MINIRTC_*` environment variables → command-line flags. Every value is validated
 * with the same schema, so a bad value fails at start with the key that is wrong.
 */
const port = int(0, 65535);

/** A trusted proxy: an IP or a CIDR (the HTTP resolver and the RTMP PROXY-protocol matcher read the same list). */
function proxyEntry(v: string): string {
  const [ip, bits, extra] = v.split('/');
  const family = isIP(ip ?? '');
  const ok =
    family !== 0 &&
    extra === undefined &&
    (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)));
  if (!ok) throw new MiniRtcError(ErrorCode.INVALID_PARAM, `trustedProxies: ${v} is not an IP or a CIDR`);
  return v;
}
function nodeIdEntry(v: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(v)) {
    throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'nodeId: letters, digits, dot, dash and underscore only');
  }
  return v;
}
/** A PostgreSQL connection string (`postgresql://user:pass@host:port/db`, `?host=/socket/dir`). */
function postgresUrl(v: string): string {
  if (!/^postgres(ql)?:\/\//.test(v)) {
    throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'db.url: a postgresql:// connection string');
  }
  return v;
}
const configSchema = obj({
  host: str({ min: 1, maxBytes: 255 }),
  port,
  /** Host name put into URLs handed to clients (push/pull, WebSocket); defaults to `host`. */
  publicHost: optional(str({ min: 1, maxBytes: 255 })),
  dataDir: str({ min: 1, maxBytes: 4096 }),
  devApp: bool(),
  logLevel: str({ enum: ['debug', 'info', 'warn', 'error', 'silent'] }),
  rtmp: obj({
    enabled: bool(),
    host: optional(str({ min: 1, maxBytes: 255 })),
    port,
    /** Base of the push/pull URLs given to clients, e.g. `rtmp://media.example.com:1935/live` when media runs elsewhere. */
    publicBase: optional(str({ min: 1, maxBytes: 1024 })),
  }),
  signaling: obj({
    heartbeatMs: int(1000, 600_000),
    heartbeatTimeoutMs: int(1000, 3_600_000),
    resumeGraceMs: int(0, 3_600_000),
    urlTtlSeconds: int(10, 7 * 86400),
    /** Smallest gap between two onlineCount pushes to a room (coalesced in between); 0 = every change. */
    onlineCountIntervalMs: int(0, 600_000),
    /** Above this many members per-user ADD/DELETE pushes stop (ZEGO: 500). */
    userUpdateMaxMembers: int(1, 10_000_000),
    /** Members a room push reaches per event-loop turn; the rest on later turns (docs/signaling.md). */
    fanoutSlice: int(1, 10_000_000),
    /** Room deliveries waiting before the room's broadcasts and barrages are refused (1002073). */
    pushBacklogMax: int(0, 100_000_000),
  }),
  media: obj({
    takeoverGraceMs: int(0, 3_600_000),
    /** Several media nodes (`state.redisUrl`): heartbeat of `minirtc media`; gone after 3 missed beats. */
    heartbeatMs: int(100, 60_000),
  }),
  db: obj({
    /**
     * SQLite database file; default `<dataDir>/minirtc.db`. `:memory:` keeps nothing across restarts.
     * (A plain string `db: <file>`, `--db`, `MINIRTC_DB` still mean this.)
     */
    file: optional(str({ min: 1, maxBytes: 4096 })),
    /**
     * PostgreSQL shared by several nodes: apps, webhooks, timeline, SDK logs and API nonces live there;
     * the SQLite file keeps only node-local state (docs/postgres.md).
     */
    url: optional(refine(str({ min: 1, maxBytes: 4096 }), postgresUrl)),
  }),
  api: obj({
    /** Bearer key of the REST API's admin endpoints and the console; generated into the data dir when unset. */
    adminKey: optional(str({ min: 16, maxBytes: 256 })),
  }),
  /** Built console (packages/console/dist) served at `/console`; found next to the CLI when unset. */
  consoleDir: optional(str({ min: 1, maxBytes: 4096 })),
  webhooks: obj({
    retryBaseMs: int(1, 3_600_000),
    timeoutMs: int(100, 120_000),
  }),
  /** Limits on what anonymous peers can make the node hold or do (docs/security.md). */
  security: securitySchema,
  /** Cloud recording (ffmpeg pulls from the gateway; MP4 files under `dir`, default `<dataDir>/recordings`). */
  recording: obj({
    enabled: bool(),
    dir: optional(str({ min: 1, maxBytes: 4096 })),
    /** Lifetime of signed play/download links. */
    urlTtlSeconds: int(10, 7 * 86400),
    ffmpegPath: optional(str({ min: 1, maxBytes: 4096 })),
    ffprobePath: optional(str({ min: 1, maxBytes: 4096 })),
    /** S3-compatible storage for finished files (multipart upload from a durable queue); local only when unset. */
    s3: optional(
      obj({
        endpoint: optional(str({ min: 1, maxBytes: 1024 })),
        region: str({ min: 1, maxBytes: 64 }),
        bucket: str({ min: 1, maxBytes: 255 }),
        accessKeyId: str({ min: 1, maxBytes: 256 }),
        secretAccessKey: str({ min: 1, maxBytes: 256 }),
        prefix: optional(str({ maxBytes: 512 })),
        keepLocal: optional(bool()),
      }),
    ),
  }),
  /** Stream mixing: one ffmpeg per task pulls the inputs from the gateway and pushes the mix back. */
  mixing: obj({
    enabled: bool(),
    /** Most mix tasks at once (each encodes video). */
    maxTasks: int(1, 1000),
    ffmpegPath: optional(str({ min: 1, maxBytes: 4096 })),
    /** Group calls: rooms whose ID starts with one of these get a mix per member of everyone else (`mix_<userID>`). */
    groupRoomPrefixes: arr(str({ min: 1, maxBytes: 128 }), 32),
  }),
  /** PEM files (certificate = full chain): the HTTP port then serves HTTPS and WSS. Reloaded on SIGHUP and on change. */
  tls: optional(
    obj({
      cert: str({ min: 1, maxBytes: 4096 }),
      key: str({ min: 1, maxBytes: 4096 }),
    }),
  ),
  /**
   * Public base of the HTTP port as phones reach it (`https://rtc.example.com`): signaling and
   * HTTP-FLV URLs handed to clients are built on it. For RTMP see `rtmp.publicBase`.
   */
  publicUrl: optional(str({ min: 1, maxBytes: 1024 })),
  /** Proxies (IPs or CIDRs) allowed to set `X-Forwarded-For`/`-Proto`; env/flag form: comma-separated. */
  trustedProxies: arr(refine(str({ min: 1, maxBytes: 64 }), proxyEntry), 64),
  /** Plain-HTTP port on loopback with `/healthz`, `/readyz` and `/metrics` only (0 = ephemeral); unset = none. */
  opsPort: optional(port),
  /** This node's name in logs, metrics, the console and the cluster; default `<hostname>-<pid>`. */
  nodeId: optional(refine(str({ min: 1, maxBytes: 64 }), nodeIdEntry)),
  /**
   * Shared live state. Unset: in memory, one node. `redisUrl` (`redis://`, `rediss://`,
   * `unix:///path/redis.sock`): rooms, sessions, streams and budgets live in Redis and any number of
   * nodes serve any client (docs/scaling.md).
   */
  state: obj({ redisUrl: optional(str({ min: 1, maxBytes: 2048 })) }),
});

/** The validated configuration. */
export type MiniRtcConfig = Infer<typeof configSchema>;

/** Built-in defaults: everything on loopback, in-memory state, data in `./.minirtc`. */
export const defaultConfig: MiniRtcConfig = {
  host: SIGNALING_DEFAULTS.host,
  port: SIGNALING_DEFAULTS.port,
  dataDir: '.minirtc',
  devApp: true,
  logLevel: 'info',
  rtmp: { enabled: true, port: 1935 },
  signaling: {
    heartbeatMs: SIGNALING_DEFAULTS.heartbeatMs,
    heartbeatTimeoutMs: SIGNALING_DEFAULTS.heartbeatTimeoutMs,
    resumeGraceMs: SIGNALING_DEFAULTS.resumeGraceMs,
    urlTtlSeconds: SIGNALING_DEFAULTS.urlTtlSeconds,
    onlineCountIntervalMs: 1000,
    userUpdateMaxMembers: 500,
    fanoutSlice: DEFAULT_FANOUT_SLICE,
    pushBacklogMax: DEFAULT_PUSH_BACKLOG_MAX,
  },
  media: { takeoverGraceMs: 30_000, heartbeatMs: 2000 },
  api: {},
  webhooks: { retryBaseMs: 1000, timeoutMs: 5000 },
  security: { ...defaultSecurityConfig },
  recording: { enabled: true, urlTtlSeconds: 3600 },
  mixing: { enabled: true, maxTasks: 8, groupRoomPrefixes: [] },
  trustedProxies: [],
  state: {},
  db: {},
};

type Json = Record<string, unknown>;

/** `rtmp.port` → `MINIRTC_RTMP_PORT`; `signaling.resumeGraceMs` → `MINIRTC_SIGNALING_RESUME_GRACE_MS`. */
export function envName(path: string): string {
  return `MINIRTC_${path
    .replace(/\./g, '_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()}`;
}

function leafPaths(o: Json, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? leafPaths(v as Json, `${prefix}${k}.`)
      : [`${prefix}${k}`],
  );
}

// Optional keys have no default, so list every settable path explicitly from the schema.
function schemaPaths(json: Json, prefix = ''): string[] {
  const props = (json.properties ?? {}) as Record<string, Json>;
  return Object.entries(props).flatMap(([k, s]) =>
    s.type === 'object' ? schemaPaths(s, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

/** Every key a user can set, as dotted paths. */
export const configKeys: string[] = schemaPaths(configSchema.json);

/** The JSON Schema type of a config key (`integer`, `boolean`, `string`). */
export function configKeyType(path: string): string {
  let node: Json = configSchema.json;
  for (const part of path.split('.')) node = ((node.properties ?? {}) as Record<string, Json>)[part] ?? {};
  return String(node.type ?? 'string');
}

function setPath(o: Json, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = o;
  for (const p of parts.slice(0, -1)) {
    if (typeof cur[p] !== 'object' || cur[p] === null) cur[p] = {};
    cur = cur[p] as Json;
  }
  cur[parts[parts.length - 1]!] = value;
}

/** Converts a string from env/flags into the key's type, or fails naming the key. */
function coerce(path: string, raw: string, source: string): unknown {
  const t = configKeyType(path);
  if (t === 'integer') {
    if (!/^-?\d+$/.test(raw.trim())) {
      throw new MiniRtcError(
        ErrorCode.INVALID_PARAM,
        `${source}: ${path} must be an integer, got ${JSON.stringify(raw)}`,
      );
    }
    return Number(raw);
  }
  if (t === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new MiniRtcError(
      ErrorCode.INVALID_PARAM,
      `${source}: ${path} must be true or false, got ${JSON.stringify(raw)}`,
    );
  }
  if (t === 'array')
    return raw
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '');
  return raw;
}

function deepMerge(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)
        ? deepMerge(cur as Json, v as Json)
        : v;
  }
  return out;
}

/** Sources for {@link loadConfig}. */
export interface ConfigSources {
  /** Path of a YAML or JSON file. */
  file?: string;
  env?: Record<string, string | undefined>;
  /** Dotted-path overrides from flags, e.g. `{ 'rtmp.port': '1936' }`. */
  flags?: Record<string, string>;
}

/** Loads, merges and validates the configuration; throws {@link MiniRtcError} naming the bad key. */
export function loadConfig(src: ConfigSources = {}): MiniRtcConfig {
  let merged: Json = structuredClone(defaultConfig) as Json;
  if (src.file) {
    let text: string;
    try {
      text = readFileSync(src.file, 'utf8');
    } catch (e) {
      throw new MiniRtcError(ErrorCode.INVALID_PARAM, `config file ${src.file}: ${(e as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = src.file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    } catch (e) {
      throw new MiniRtcError(ErrorCode.INVALID_PARAM, `config file ${src.file}: ${(e as Error).message}`);
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new MiniRtcError(ErrorCode.INVALID_PARAM, `config file ${src.file}: must hold an object`);
      }
      // The older form: `db: <file>`.
      const p = parsed as Json;
      if (typeof p.db === 'string') p.db = { file: p.db };
      const unknown = leafPaths(parsed as Json).filter((p) => !configKeys.includes(p));
      if (unknown.length) {
        throw new MiniRtcError(
          ErrorCode.INVALID_PARAM,
          `config file ${src.file}: unknown key ${unknown.join(', ')}`,
        );
      }
      merged = deepMerge(merged, parsed as Json);
    }
  }
  // The older forms `MINIRTC_DB=<file>` and `--db <file>`.
  if (src.env?.MINIRTC_DB) setPath(merged, 'db.file', src.env.MINIRTC_DB);
  const flags = { ...src.flags };
  if (flags.db !== undefined) {
    flags['db.file'] ??= flags.db;
    delete flags.db;
  }
  for (const key of configKeys) {
    const raw = src.env?.[envName(key)];
    if (raw !== undefined && raw !== '') setPath(merged, key, coerce(key, raw, `env ${envName(key)}`));
  }
  for (const [key, raw] of Object.entries(flags)) {
    if (!configKeys.includes(key)) {
      throw new MiniRtcError(
        ErrorCode.INVALID_PARAM,
        `unknown option --${key} (known: ${configKeys.join(', ')})`,
      );
    }
    setPath(merged, key, coerce(key, raw, `--${key}`));
  }
  try {
    return configSchema.parse(merged);
  } catch (e) {
    if (e instanceof MiniRtcError) throw new MiniRtcError(e.code, `invalid configuration: ${e.message}`);
    throw e;
  }
}

/** The JSON Schema of the configuration (for docs and editors). */
export const configJsonSchema: Json = configSchema.json;

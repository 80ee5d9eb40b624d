import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import type { FastifyInstance } from 'fastify';
import type { LogEntry } from '../api/api-types.js';
import type { Logger } from '../logger.js';
import type { LogGate } from '../security/log-gate.js';
import { jsonBody } from './http-app.js';
export type { LogEntry } from '../api/api-types.js';

/** Search criteria for {@link LogIntake.logs}; all optional, combined with AND. */
export interface LogFilter {
  appID?: number;
  userID?: string;
  roomID?: string;
  level?: string;
  /** Substring of the message. */
  contains?: string;
  /** Only entries received at or after this time (ms). */
  since?: number;
  /** Newest N (default 200). */
  limit?: number;
}

/** Settings of {@link LogIntake}. */
export interface LogIntakeOptions {
  maxEntriesPerApp?: number;
  maxEntriesPerBatch?: number;
  /** Durable store (SQLite): entries are written there too, and searches are answered from it. */
  sink?: LogSink;
  /** Who may write (credential, rate limits); absent: anyone (unit tests only). */
  gate?: LogGate;
}

/** Where {@link LogIntake} persists entries and searches them. */
export interface LogSink {
  add(entries: LogEntry[]): void;
  /** Synchronous from SQLite, asynchronous from PostgreSQL. */
  search(filter: LogFilter): LogEntry[] | Promise<LogEntry[]>;
}

const MAX_FIELD = 4096;

/** Fields read into {@link LogEntry}'s own properties (the rest goes to `data`). */
const KNOWN_FIELDS = new Set([
  'logToken',
  'appID',
  'appId',
  'appid',
  'message',
  'msg',
  'log',
  'content',
  'time',
  'timestamp',
  'ts',
  'level',
  'logLevel',
  'userID',
  'userId',
  'userid',
  'roomID',
  'roomId',
  'roomid',
]);

/**
 * `POST /httplog`: the SDK's remote log intake. Accepts a batch (an array, or an object holding
 * `logs`/`entries`/`data`, with batch-level appID/userID/roomID) or a single entry, keeps the newest
 * entries per app in a ring, and answers with CORS headers so browser builds can post too. Bounded in
 * body size and memory because anyone can post here.
 */
export class LogIntake {
  readonly #byApp = new Map<number, LogEntry[]>();
  readonly #maxEntries: number;
  readonly #maxBatch: number;
  readonly #sink: LogSink | undefined;
  readonly #gate: LogGate | undefined;

  constructor(
    private readonly log: Logger,
    opts: LogIntakeOptions = {},
  ) {
    this.#maxEntries = opts.maxEntriesPerApp ?? 1000;
    this.#maxBatch = opts.maxEntriesPerBatch ?? 1000;
    this.#sink = opts.sink;
    this.#gate = opts.gate;
  }

  /**
   * The `/httplog` route (CORS and the body limit come from the pipeline). Any content type is read
   * as JSON: the SDK posts text/plain to avoid a preflight.
   */
  routes = (app: FastifyInstance): void => {
    app.post('/httplog', async (req) => {
      const early = this.#gate?.precheck(req.ip);
      if (early) throw new MiniRtcError(early.code, early.message);
      const body = jsonBody(typeof req.body === 'string' ? req.body : '');
      const appParam = (req.query as Record<string, string | undefined>).appid;
      let writer: { appID: number; userID: string } | undefined;
      // Only a well-shaped body gets as far as the credential check (a bad shape is a 400 below).
      if (this.#gate && typeof body === 'object' && body !== null) {
        const w = this.#gate.admit(req.raw, body, req.ip, batchSize(body));
        if ('status' in w) throw new MiniRtcError(w.code, w.message);
        writer = w;
      }
      const stored = this.ingest(body, appParam ? Number(appParam) : undefined, writer);
      if (stored < 0) {
        throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'expected a log entry or an array of them');
      }
      return { code: 0, stored };
    });
  };

  /**
   * Stores a parsed body; returns how many entries were kept, or −1 when the shape is wrong. With a
   * `writer` (the credential's app and user) every entry is filed under that app, whatever it claims.
   */
  ingest(body: unknown, appIDHint?: number, writer?: { appID: number; userID: string }): number {
    let items: unknown[];
    let batch: Record<string, unknown> = {};
    if (Array.isArray(body)) items = body;
    else if (isObject(body)) {
      const list = body.logs ?? body.entries ?? body.data;
      if (Array.isArray(list)) {
        items = list;
        batch = body;
      } else items = [body];
    } else return -1;
    const receivedAt = Date.now();
    let stored = 0;
    const kept: LogEntry[] = [];
    for (const item of items.slice(0, this.#maxBatch)) {
      const e = this.#normalize(item, batch, appIDHint, receivedAt);
      if (!e) continue;
      if (writer) {
        e.appID = writer.appID;
        e.userID ??= writer.userID;
      }
      kept.push(e);
      stored++;
      // With a durable store the rings would only duplicate it in memory.
      if (this.#sink) continue;
      let ring = this.#byApp.get(e.appID);
      if (!ring) {
        ring = [];
        this.#byApp.set(e.appID, ring);
      }
      ring.push(e);
      if (ring.length > this.#maxEntries) ring.splice(0, ring.length - this.#maxEntries);
    }
    try {
      this.#sink?.add(kept);
    } catch (err) {
      this.log.warn({ err }, 'log store write failed');
    }
    this.log.debug({ stored, received: items.length }, 'remote logs');
    return stored;
  }

  #normalize(
    item: unknown,
    batch: Record<string, unknown>,
    appIDHint: number | undefined,
    receivedAt: number,
  ): LogEntry | null {
    const o: Record<string, unknown> =
      typeof item === 'string' ? { message: item } : isObject(item) ? item : {};
    if (!isObject(item) && typeof item !== 'string') return null;
    const pick = (...keys: string[]): unknown => {
      for (const k of keys) if (o[k] !== undefined) return o[k];
      for (const k of keys) if (batch[k] !== undefined) return batch[k];
      return undefined;
    };
    const appID = Number(pick('appID', 'appId', 'appid') ?? appIDHint ?? 0);
    const rawMsg = pick('message', 'msg', 'log', 'content');
    const message = clip(typeof rawMsg === 'string' ? rawMsg : rawMsg === undefined ? '' : safeJson(rawMsg));
    const time = Number(pick('time', 'timestamp', 'ts'));
    const level = pick('level', 'logLevel');
    const userID = pick('userID', 'userId', 'userid');
    const roomID = pick('roomID', 'roomId', 'roomid');
    const extra = Object.fromEntries(Object.entries(o).filter(([k]) => !KNOWN_FIELDS.has(k)));
    const e: LogEntry = {
      appID: Number.isSafeInteger(appID) && appID >= 0 ? appID : 0,
      level: level === undefined ? 'info' : clip(String(level), 16),
      time: Number.isFinite(time) && time > 0 ? time : receivedAt,
      message,
      receivedAt,
    };
    if (typeof userID === 'string') e.userID = clip(userID, 64);
    if (typeof roomID === 'string') e.roomID = clip(roomID, 128);
    if (Object.keys(extra).length > 0) {
      const text = safeJson(extra);
      e.data = text.length <= MAX_FIELD ? extra : { truncated: clip(text) };
    }
    return e;
  }

  /** Stored entries matching `filter`, oldest first, at most `limit` (the newest ones). */
  logs(filter: LogFilter = {}): LogEntry[] | Promise<LogEntry[]> {
    if (this.#sink) return this.#sink.search(filter);
    const rings =
      filter.appID !== undefined ? [this.#byApp.get(filter.appID) ?? []] : [...this.#byApp.values()];
    const out = rings
      .flat()
      .filter(
        (e) =>
          (filter.userID === undefined || e.userID === filter.userID) &&
          (filter.roomID === undefined || e.roomID === filter.roomID) &&
          (filter.level === undefined || e.level === filter.level) &&
          (filter.since === undefined || e.receivedAt >= filter.since) &&
          (filter.contains === undefined || e.message.includes(filter.contains)),
      )
      .sort((a, b) => a.receivedAt - b.receivedAt);
    const limit = filter.limit ?? 200;
    return out.slice(Math.max(0, out.length - limit));
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return String(v);
  }
}

function clip(s: string, max = MAX_FIELD): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}

/** Entries a body holds (what the rate limits count). */
function batchSize(body: unknown): number {
  if (Array.isArray(body)) return body.length;
  if (isObject(body)) {
    const list = body.logs ?? body.entries ?? body.data;
    return Array.isArray(list) ? list.length : 1;
  }
  return 1;
}

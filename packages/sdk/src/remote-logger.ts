import { LOG_LEVEL_ORDER } from './logger.js';
import type { LogEntry, Logger } from './logger.js';
import type { Platform, TimerHandle } from './platform.js';
import type { ZegoLogConfig, ZegoLogLevel } from './types.js';

/** Options of {@link RemoteLogger}. */
export interface RemoteLoggerOptions {
  /** Where batches are POSTed (`…/httplog`); empty disables remote logging. */
  logURL: string;
  logLevel: ZegoLogLevel;
  remoteLogLevel: ZegoLogLevel;
  /** Entries per POST; a full batch is sent at once. */
  batchSize?: number;
  /** Longest time an entry waits before its batch is sent, ms. */
  flushMs?: number;
  /** Entries kept while the server is unreachable; the oldest are dropped beyond it. */
  maxQueue?: number;
  /** Sent with every batch (appID, SDK version, platform, userID …). */
  context: Record<string, unknown>;
  /** Local output; default `console`. */
  sink?: (entry: LogEntry) => void;
}

/** Derives the log URL from a signaling URL: `wss://host/ws` → `https://host/httplog`. */
export function defaultLogURL(server: string): string {
  const m = /^(ws|wss|http|https):\/\/([^/?#]+)/i.exec(server);
  if (!m) return '';
  const scheme = (m[1] as string).toLowerCase();
  const http = scheme === 'wss' || scheme === 'https' ? 'https' : 'http';
  return `${http}://${m[2]}/httplog`;
}

function consoleSink(e: LogEntry): void {
  const line = `[MiniRTC] ${new Date(e.time).toISOString()} ${e.level} ${e.tag}: ${e.msg}`;
  const c = typeof console !== 'undefined' ? console : undefined;
  if (!c) return;
  const fn = e.level === 'error' ? c.error : e.level === 'warn' ? c.warn : c.log;
  if (e.data === undefined) fn.call(c, line);
  else fn.call(c, line, e.data);
}

/**
 * The engine's logger: local output above `logLevel`, and entries above `remoteLogLevel` queued and
 * POSTed in batches through the platform's request (`my.request` on Alipay), so a field problem can be
 * read on the server. A failed POST keeps the batch for the next try (bounded), never throws.
 */
export class RemoteLogger implements Logger {
  private queue: LogEntry[] = [];
  private timer: TimerHandle | undefined;
  private sending = false;
  private disposed = false;
  /** Consecutive failed POSTs; retrying stops after a few until a new entry arrives. */
  private failures = 0;
  /**
   * The server's log credential from the login reply; `undefined` until the first login answered
   * (entries wait in the bounded queue until then), `null` when the server hands out none.
   */
  private logToken: string | null | undefined = undefined;
  private readonly opts: Required<Omit<RemoteLoggerOptions, 'sink'>> & { sink: (e: LogEntry) => void };

  constructor(
    private readonly platform: Platform,
    opts: RemoteLoggerOptions,
  ) {
    this.opts = { batchSize: 50, flushMs: 5000, maxQueue: 500, sink: consoleSink, ...opts };
  }

  /** Applies `setLogConfig`. Returns false for an unknown level. */
  configure(cfg: ZegoLogConfig): boolean {
    if (cfg.logLevel !== undefined && !(cfg.logLevel in LOG_LEVEL_ORDER)) return false;
    if (cfg.remoteLogLevel !== undefined && !(cfg.remoteLogLevel in LOG_LEVEL_ORDER)) return false;
    if (cfg.logLevel) this.opts.logLevel = cfg.logLevel;
    if (cfg.remoteLogLevel) this.opts.remoteLogLevel = cfg.remoteLogLevel;
    if (typeof cfg.logURL === 'string' && cfg.logURL) this.opts.logURL = cfg.logURL;
    return true;
  }

  /**
   * The login reply arrived: its `logToken` (if any) goes with every batch from now on, and what was
   * queued before the login is sent. The server accepts log batches only with it.
   */
  setLogToken(token: string | undefined): void {
    const first = this.logToken === undefined;
    this.logToken = token ?? null;
    if (first && this.queue.length > 0) this.trigger();
  }

  /** Adds fields sent with every batch (e.g. userID after login). */
  setContext(fields: Record<string, unknown>): void {
    Object.assign(this.opts.context, fields);
  }

  /** Entries waiting to be sent (tests, diagnostics). */
  get queued(): number {
    return this.queue.length;
  }

  /** Records a debug entry. */
  debug(tag: string, msg: string, data?: unknown): void {
    this.log('debug', tag, msg, data);
  }
  /** Records an info entry. */
  info(tag: string, msg: string, data?: unknown): void {
    this.log('info', tag, msg, data);
  }
  /** Records a warning. */
  warn(tag: string, msg: string, data?: unknown): void {
    this.log('warn', tag, msg, data);
  }
  /** Records an error. */
  error(tag: string, msg: string, data?: unknown): void {
    this.log('error', tag, msg, data);
  }

  /** Records one entry. */
  log(level: LogEntry['level'], tag: string, msg: string, data?: unknown): void {
    const entry: LogEntry = { time: this.platform.now(), level, tag, msg };
    if (data !== undefined) entry.data = data;
    const rank = LOG_LEVEL_ORDER[level];
    if (rank >= LOG_LEVEL_ORDER[this.opts.logLevel] && level !== 'report') {
      try {
        this.opts.sink(entry);
      } catch {
        // logging must never break the engine
      }
    }
    if (this.disposed || !this.opts.logURL || rank < LOG_LEVEL_ORDER[this.opts.remoteLogLevel]) return;
    this.queue.push(entry);
    if (this.queue.length > this.opts.maxQueue) this.queue.splice(0, this.queue.length - this.opts.maxQueue);
    if (this.queue.length >= this.opts.batchSize) this.trigger();
    else if (!this.timer) {
      this.timer = this.platform.setTimeout(() => {
        this.timer = undefined;
        this.trigger();
      }, this.opts.flushMs);
    }
  }

  /**
   * Sends what is queued now (one batch at a time). Resolves when the POST finished or failed; while
   * one is in flight, after it and one more for what queued up meanwhile.
   */
  flush(): Promise<void> {
    if (this.sending) return (this.inflight ?? Promise.resolve()).then(() => this.flush());
    this.inflight = this.send().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private inflight: Promise<void> | null = null;

  /** Starts a send unless one is in flight (its end re-arms the timer for what is left). */
  private trigger(): void {
    if (!this.sending) void this.flush();
  }

  private async send(): Promise<void> {
    if (this.sending || this.queue.length === 0 || !this.opts.logURL || this.logToken === undefined) return;
    if (this.timer) {
      this.platform.clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.sending = true;
    const batch = this.queue.splice(0, this.opts.batchSize);
    try {
      const res = await this.platform.request({
        url: this.opts.logURL,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        data: { ...this.opts.context, ...(this.logToken ? { logToken: this.logToken } : {}), logs: batch },
        timeoutMs: 10_000,
      });
      if (res.status >= 500 || res.status === 0) throw new Error(`status ${res.status}`);
    } catch {
      // Server unreachable: put the batch back (bounded) and retry a few times; after that the next
      // entry logged re-arms the timer, so an idle engine does not poll a dead server forever.
      this.queue = batch.concat(this.queue).slice(-this.opts.maxQueue);
      this.sending = false;
      this.failures++;
      if (!this.timer && !this.disposed && this.failures < 3)
        this.timer = this.platform.setTimeout(() => {
          this.timer = undefined;
          this.trigger();
        }, this.opts.flushMs);
      return;
    }
    this.sending = false;
    this.failures = 0;
    if (this.disposed) return;
    if (this.queue.length >= this.opts.batchSize) await this.send();
    else if (this.queue.length > 0 && !this.timer)
      this.timer = this.platform.setTimeout(() => {
        this.timer = undefined;
        this.trigger();
      }, this.opts.flushMs);
  }

  /** Stops the timer (engine destroyed); queued entries are sent one last time, with no retry. */
  dispose(): void {
    this.disposed = true;
    if (this.timer) this.platform.clearTimeout(this.timer);
    this.timer = undefined;
    this.trigger();
  }
}

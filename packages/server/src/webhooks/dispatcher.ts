import type { AppStore } from '../app-store.js';
import type { Logger } from '../logger.js';
import type { Outbox, OutboxEvent } from './outbox.js';
import {
  type DeliverySettings,
  type WebhookOptions,
  attemptDelivery,
  callbackApp,
  deliverySettings,
} from './attempt.js';

export type { WebhookOptions } from './attempt.js';

/** An attempt as the dispatcher reports it (to the timeline and metrics). */
export interface AttemptReport {
  event: OutboxEvent;
  url: string;
  status: number | null;
  error: string | null;
  durationMs: number;
  ok: boolean;
  /** True when the event will not be tried again (delivered or given up). */
  final: boolean;
}

/** What the server needs of a webhook dispatcher, whichever database feeds it. */
export interface WebhookDispatch {
  /** An event was queued for `roomKey` (no key: events were reset anywhere, e.g. replayed). */
  notify(roomKey?: string): void;
  /** Something may be ready to send. */
  kick(): void;
  /** Stops sending; undelivered events stay queued. */
  close(): Promise<void>;
}

/**
 * Sends outbox events to each app's callback URL: the head event of every room at most once at a
 * time (so a room's events arrive in order and a failing head holds back only its own room), retries
 * with exponential backoff, and logs every attempt. It keeps no state of its own beyond what is in
 * flight: everything else is read from the outbox, so a restarted server simply carries on.
 */
export class WebhookDispatcher implements WebhookDispatch {
  readonly #inflight = new Map<string, Promise<void>>();
  /**
   * Ordering keys whose head is pending and not in flight → when it may be sent (0: look it up). Kept
   * in memory so a pump costs one index seek per ready room, not a scan of the whole backlog (a scan
   * per delivery would make draining a large backlog quadratic).
   */
  readonly #waiting = new Map<string, number>();
  /** Rebuild {@link #waiting} from the outbox on the next pump (at start, after a replay). */
  #rescan = true;
  readonly #abort = new AbortController();
  readonly #settings: DeliverySettings;
  #timer: NodeJS.Timeout | null = null;
  #scheduled = false;
  #closed = false;

  constructor(
    private readonly outbox: Outbox,
    private readonly apps: AppStore,
    private readonly log: Logger,
    private readonly onAttempt: (r: AttemptReport) => void,
    opts: WebhookOptions = {},
  ) {
    this.#settings = deliverySettings(opts, this.#abort.signal, this.log);
  }

  /**
   * An event was queued for `roomKey` (or, without a key, events were reset anywhere: replay): it is
   * looked at on the next pump.
   */
  notify(roomKey?: string): void {
    if (roomKey === undefined) this.#rescan = true;
    else if (!this.#inflight.has(roomKey) && !this.#waiting.has(roomKey)) this.#waiting.set(roomKey, 0);
    this.kick();
  }

  /** Something may be ready to send: look soon (coalesced, so a burst of events costs one pump). */
  kick(): void {
    if (this.#closed || this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  /** Stops sending; in-flight requests are aborted and their events stay queued for the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#abort.abort();
    await Promise.all(this.#inflight.values());
  }

  /** Delay before attempt `n + 1` after `n` failures. */
  backoff(failures: number): number {
    return this.#settings.backoff(failures);
  }

  #pump(): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#rescan) {
      this.#rescan = false;
      for (const h of this.outbox.heads())
        if (!this.#inflight.has(h.roomKey)) this.#waiting.set(h.roomKey, h.nextAt);
    }
    const now = Date.now();
    let soonest = Number.POSITIVE_INFINITY;
    for (const [key, at] of this.#waiting) {
      if (at > now) {
        soonest = Math.min(soonest, at);
        continue;
      }
      // Full: the next finished delivery kicks another pump.
      if (this.#inflight.size >= this.#settings.concurrency) break;
      const e = this.outbox.head(key);
      if (!e) {
        this.#waiting.delete(key);
        continue;
      }
      if (e.nextAt > now) {
        this.#waiting.set(key, e.nextAt);
        soonest = Math.min(soonest, e.nextAt);
        continue;
      }
      this.#waiting.delete(key);
      const p = this.#deliver(e).finally(() => {
        this.#inflight.delete(key);
        // Its next event (or its retry) is looked up on the next pump; it queues behind the others.
        if (!this.#closed) this.#waiting.set(key, 0);
        this.kick();
      });
      this.#inflight.set(key, p);
    }
    if (Number.isFinite(soonest)) {
      this.#timer = setTimeout(() => this.#pump(), Math.max(0, soonest - Date.now()));
      this.#timer.unref();
    }
  }

  async #deliver(e: OutboxEvent): Promise<void> {
    const app = callbackApp(this.apps.get(e.appID));
    if (!app) {
      this.outbox.drop(e, 'app has no callback URL');
      return;
    }
    const r = await attemptDelivery(e, app, this.#settings.attempt);
    // Shutting down: not an attempt; the event stays queued and is sent after the restart.
    if (!r) return;
    const { url, status, error, durationMs, ok } = r;
    const attempt = { at: r.at, url, status, error, durationMs };
    let final = ok;
    if (ok) this.outbox.recordAttempt(e, attempt, { delivered: true });
    else {
      const dead = e.attempts + 1 >= this.#settings.maxAttempts;
      final = dead;
      this.outbox.recordAttempt(e, attempt, {
        delivered: false,
        nextAt: Date.now() + this.backoff(e.attempts + 1),
        dead,
      });
      this.log.info(
        { appID: e.appID, event: e.event, id: e.id, attempt: e.attempts + 1, status, error },
        'webhook failed',
      );
    }
    this.onAttempt({ event: { ...e, attempts: e.attempts + 1 }, url, status, error, durationMs, ok, final });
  }
}

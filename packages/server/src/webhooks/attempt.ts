import type { AppRecord } from '../app-store.js';
import type { Logger } from '../logger.js';
import { failureCategory, postWebhook } from '../security/webhook-post.js';
import type { OutboxEvent } from './outbox.js';
import { webhookNonce, webhookSignature } from './signature.js';

/** How one HTTP attempt went, as the delivery log records it. */
export interface AttemptResult {
  at: number;
  url: string;
  status: number | null;
  error: string | null;
  durationMs: number;
  ok: boolean;
}

/** Delivery settings of the webhook dispatcher. */
export interface WebhookOptions {
  /** First retry delay; doubles per failed attempt. Default 1000 ms (tests use a few ms). */
  retryBaseMs?: number;
  /** Longest retry delay. Default 5 min. */
  retryMaxMs?: number;
  /** Attempts before an event is given up (marked dead; replay revives it). Default 50. */
  maxAttempts?: number;
  /** Per-request timeout. Default 5000 ms. */
  timeoutMs?: number;
  /** Rooms delivered to in parallel. Default 8. */
  concurrency?: number;
  /** How long finished events and delivery log rows are kept (for replay and the console). Default 7 days. */
  retentionMs?: number;
  /**
   * Deliver to loopback/private/link-local/CGNAT destinations (on-premises receivers). Default false:
   * such destinations, as written or as resolved at delivery, fail as `forbidden_destination`.
   */
  allowPrivateDestinations?: boolean;
  /** Counts refused destinations (`webhook_private_destination`). */
  refused?: (reason: string) => void;
}

/** How a dispatcher makes its attempts (the same for every event it sends). */
export interface AttemptOptions {
  signal: AbortSignal;
  timeoutMs: number;
  allowPrivate: boolean;
  refused: (reason: string) => void;
  log: Logger;
}

/** A dispatcher's delivery settings, defaults filled in: the same for the SQLite and PostgreSQL dispatchers. */
export interface DeliverySettings {
  readonly maxAttempts: number;
  readonly concurrency: number;
  readonly attempt: AttemptOptions;
  /** Delay before attempt `n + 1` after `n` failures: doubling from the base, capped. */
  backoff(failures: number): number;
}

/** The settings of a dispatcher whose attempts are aborted by `signal` and logged to `log`. */
export function deliverySettings(opts: WebhookOptions, signal: AbortSignal, log: Logger): DeliverySettings {
  const base = opts.retryBaseMs ?? 1000;
  const max = opts.retryMaxMs ?? 300_000;
  return {
    maxAttempts: opts.maxAttempts ?? 50,
    concurrency: opts.concurrency ?? 8,
    attempt: {
      signal,
      timeoutMs: opts.timeoutMs ?? 5000,
      allowPrivate: opts.allowPrivateDestinations ?? false,
      refused: opts.refused ?? (() => {}),
      log,
    },
    backoff: (failures) => Math.min(max, base * 2 ** Math.max(0, failures - 1)),
  };
}

/** An app that can be delivered to: one with a callback URL and a CallbackSecret. */
export type CallbackApp = AppRecord & { callbackUrl: string; callbackSecret: string };

/** Whether the app has webhooks: a callback URL and a CallbackSecret (no copy: fit for a login's path). */
export function hasCallback(app: AppRecord | undefined): app is CallbackApp {
  return !!app?.callbackUrl && !!app.callbackSecret;
}

/** The app when it has a callback URL and secret, else null (its events are dropped, not retried). */
export function callbackApp(app: AppRecord | undefined): CallbackApp | null {
  return hasCallback(app)
    ? { ...app, callbackUrl: app.callbackUrl, callbackSecret: app.callbackSecret }
    : null;
}

/**
 * Sends one event to the app's callback URL, signed with its CallbackSecret; null when `signal` was
 * aborted because the dispatcher is shutting down (not an attempt: the event stays queued). Shared by
 * the SQLite and PostgreSQL dispatchers, which differ only in how they pick and record events.
 */
export async function attemptDelivery(
  e: OutboxEvent,
  app: CallbackApp,
  opts: AttemptOptions,
): Promise<AttemptResult | null> {
  const url = app.callbackUrl;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = webhookNonce();
  const body = JSON.stringify({
    ...e.payload,
    id: e.id,
    event: e.event,
    appid: String(e.appID),
    timestamp,
    nonce,
    signature: webhookSignature(app.callbackSecret, timestamp, nonce),
  });
  const at = Date.now();
  const started = performance.now();
  let status: number | null = null;
  let error: string | null = null;
  try {
    status = await postWebhook(url, body, {
      signal: AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]),
      allowPrivate: opts.allowPrivate,
    });
  } catch (err) {
    if (opts.signal.aborted) return null;
    // The delivery log (which app-signed callers read) gets a category; the raw error is ours.
    error = failureCategory(err);
    if (error === 'forbidden_destination') opts.refused('webhook_private_destination');
    opts.log.debug({ appID: e.appID, url, err }, 'webhook request failed');
  }
  const durationMs = performance.now() - started;
  const ok = status !== null && status >= 200 && status < 300;
  if (!ok && error === null) error = `HTTP ${status}`;
  return { at, url, status, error, durationMs, ok };
}

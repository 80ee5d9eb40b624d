import type { AppStore } from '../app-store.js';
import type { LogEntry, LogFilter } from '../http/log-intake.js';
import type { MediaStreamStat } from '../metrics/server-metrics.js';
import type { Signaling } from '../core/signaling.js';
import type { Timeline, TimelineInput } from '../timeline/timeline-store.js';
import type { WebhookOutbox } from '../webhooks/outbox.js';
import type { NodeLocator } from './node-locator.js';
import type { NonceClaims } from './nonce-store.js';

/** What the REST and ZEGO-form handlers work with. */
export interface ApiDeps {
  core: Signaling;
  apps: AppStore;
  nonces: NonceClaims;
  outbox: WebhookOutbox;
  timeline: Timeline;
  /** SDK remote logs. */
  logs(filter: LogFilter): LogEntry[] | Promise<LogEntry[]>;
  /** The gateway's live stream stats (empty without a gateway). */
  mediaStats(): MediaStreamStat[];
  /** A short-lived signed HTTP-FLV URL for an operator to watch a live stream. */
  previewUrl(appID: number, roomID: string, streamID: string): string | null;
  /** Wakes the webhook dispatcher after an event was queued for `roomKey`, or (no key) events were replayed. */
  kickWebhooks(roomKey?: string): void;
  /** Records an operator action in the call timeline. */
  audit(e: TimelineInput): void;
  /** Counts a refused API request for `/metrics`. */
  apiError(code: number): void;
  /** The signaling URL clients are given (`wss://public-host/ws` when a public base is configured). */
  signalingUrl(): string;
  /** Which node holds each session and stream (the `node` of the lists). */
  nodes: NodeLocator;
  /**
   * In a cluster: fetches the shared state of the room (or of the stream's room) a request names
   * before its handler runs, so any node can serve it. Absent on one node.
   */
  prepare?: (appID: number, target: { roomID?: string | null; streamID?: string | null }) => Promise<void>;
  /** In a cluster: every room of an app from the shared state (the local list is this node's). */
  listRooms?: (
    appID: number,
  ) => Promise<{ roomID: string; users: number; streams: number; createdAt: number }[]>;
  /** Bearer key of the operator; admin-only endpoints are closed without it. */
  adminKey?: string;
  /** Callback URLs on private/internal addresses allowed (operator setting). */
  webhookAllowPrivate?: boolean;
}

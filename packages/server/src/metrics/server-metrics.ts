import type { EventEmitter } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ServerEvents } from '../events.js';
import type { Signaling } from '../core/signaling.js';
import type { AttemptReport } from '../webhooks/dispatcher.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One stream as a media gateway reports it, for byte and player gauges. */
export interface MediaStreamStat {
  appID?: number;
  streamID: string;
  players: number;
  bytesIn: number;
  bytesOut: number;
  /** Incoming bits per second, recent. */
  bitrate: number;
}

/** Reads the media gateway's current streams (e.g. the embedded RTMP server's `streams()`). */
export type MediaStatsProvider = () => MediaStreamStat[];

/** The server's metrics and the hooks that feed the ones not driven by server events. */
export interface ServerMetrics {
  /** prom-client registry: ours plus the default process and event-loop metrics. */
  registry: Registry;
  /** A webhook attempt finished. */
  webhookAttempt(r: AttemptReport): void;
  /** A REST/ZEGO API request was refused with `code`. */
  apiError(code: number): void;
  /** Stops the event-loop monitor. */
  close(): void;
}

/** Login handling times, seconds: the server's share of a login (token check, room join, reply). */
const LOGIN_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/**
 * Builds the `/metrics` registry (prom-client): gauges read live state at scrape time (so they are
 * never stale), counters follow server events from the moment the server is built, and prom-client's
 * default metrics add the process (CPU, RSS, fds, GC) and event-loop lag series. One registry per
 * server, so several servers in one process (tests) keep their counts apart. With `nodeId` every
 * series carries a `node` label (a default label of this registry, so recording and mixing metrics
 * registered into it get it too): scrapes of several nodes stay apart even behind one scrape target.
 */
export function createServerMetrics(
  server: EventEmitter<ServerEvents> & { readonly connectionCount: number },
  core: Signaling,
  stats: () => MediaStreamStat[] | undefined,
  pendingWebhooks: () => number,
  nodeId?: string,
): ServerMetrics {
  const registers = [new Registry()];
  const r = registers[0] as Registry;
  if (nodeId !== undefined) r.setDefaultLabels({ node: nodeId });
  collectDefaultMetrics({ register: r, eventLoopMonitoringPrecision: 20 });
  const media = (): MediaStreamStat[] => {
    try {
      return stats() ?? [];
    } catch {
      return [];
    }
  };
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  };
  gauge('minirtc_connections', 'Open WebSocket connections.', () => server.connectionCount);
  gauge(
    'minirtc_sessions',
    'Signaling sessions (attached or in their grace window).',
    () => core.sessions.size,
  );
  gauge(
    'minirtc_sessions_in_grace',
    'Sessions that lost their socket and wait for a resume.',
    () => core.sessions.all().filter((s) => !s.transport).length,
  );
  gauge('minirtc_rooms', 'Rooms with at least one member.', () => core.rooms.list().length);
  gauge('minirtc_room_members', 'Room memberships (a multi-room user counts once per room).', () =>
    core.rooms.list().reduce((n, room) => n + room.members.size, 0),
  );
  gauge('minirtc_streams_reserved', 'StreamIDs reserved by publishers.', () => core.streams.size);
  gauge('minirtc_streams_live', 'Streams with media, listed in their rooms.', () =>
    core.rooms.list().reduce((n, room) => n + room.liveStreams().length, 0),
  );
  gauge('minirtc_media_players', 'Players attached to media streams (gateway).', () =>
    media().reduce((n, s) => n + s.players, 0),
  );
  gauge('minirtc_media_bytes_in', 'Bytes received from publishers of the streams live now (gateway).', () =>
    media().reduce((n, s) => n + s.bytesIn, 0),
  );
  gauge('minirtc_media_bytes_out', 'Bytes sent to players of the streams live now (gateway).', () =>
    media().reduce((n, s) => n + s.bytesOut, 0),
  );
  gauge('minirtc_media_bitrate_in_bps', 'Incoming bitrate summed over live streams (gateway).', () =>
    media().reduce((n, s) => n + s.bitrate, 0),
  );
  gauge('minirtc_webhook_pending', 'Webhook events waiting in the outbox.', pendingWebhooks);
  // Everything here (signaling, SQLite writes, webhook bookkeeping) runs on one event loop: its delay
  // between scrapes is the number that says whether the process keeps up (the default metrics'
  // nodejs_eventloop_lag_* cover the whole process lifetime instead).
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  new Gauge({
    name: 'minirtc_eventloop_delay_seconds',
    help: 'Event loop delay since the previous scrape (p50, p99, max).',
    labelNames: ['quantile'],
    registers,
    collect() {
      this.set({ quantile: '0.5' }, loop.percentile(50) / 1e9);
      this.set({ quantile: '0.99' }, loop.percentile(99) / 1e9);
      this.set({ quantile: '1' }, loop.max / 1e9);
      loop.reset();
    },
  });
  gauge('minirtc_process_resident_memory_bytes', 'Resident set size.', () => process.memoryUsage.rss());

  const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers });
  const logins = counter('minirtc_logins_total', 'Successful room logins.');
  const logouts = counter('minirtc_logouts_total', 'Users leaving rooms, by reason.', ['reason']);
  const kicks = counter('minirtc_kicks_total', 'Kick-outs, by code.', ['code']);
  const requests = counter('minirtc_requests_total', 'Signaling requests answered, by type.', ['type']);
  const errors = counter('minirtc_errors_total', 'Requests refused, by error code and source.', [
    'code',
    'source',
  ]);
  const publishes = counter(
    'minirtc_publish_requests_total',
    'Successful publish requests (push URLs issued).',
  );
  const plays = counter('minirtc_play_requests_total', 'Successful play requests (pull URLs issued).');
  const mediaEvents = counter(
    'minirtc_media_events_total',
    'Gateway publish/play starts and stops, by kind.',
    ['kind'],
  );
  const streamsLive = counter('minirtc_streams_started_total', 'Streams that went live.');
  const loginTime = new Histogram({
    name: 'minirtc_login_duration_seconds',
    help: 'Server-side handling time of login requests.',
    buckets: LOGIN_BUCKETS,
    registers,
  });
  const hookOk = counter('minirtc_webhook_deliveries_total', 'Webhook delivery attempts, by result.', [
    'result',
  ]);
  const hookFailed = counter('minirtc_webhook_failures_total', 'Failed webhook attempts, by event.', [
    'event',
  ]);
  const hookDead = counter('minirtc_webhook_dead_total', 'Webhook events given up after the last retry.');

  server.on('login', (e) => {
    if (!e.replaced) logins.inc();
  });
  server.on('logout', (e) => logouts.inc({ reason: e.reason }));
  server.on('kick', (e) => kicks.inc({ code: e.code }));
  server.on('streamLive', () => streamsLive.inc());
  server.on('media', (e) => mediaEvents.inc({ kind: e.kind }));
  server.on('request', (e) => {
    requests.inc({ type: e.type });
    if (e.code !== 0) errors.inc({ code: e.code, source: 'signaling' });
    if (e.type === 'login' && e.code === 0) loginTime.observe(e.ms / 1000);
    if (e.code === 0 && e.type === 'publish') publishes.inc();
    if (e.code === 0 && e.type === 'play') plays.inc();
  });
  return {
    registry: r,
    webhookAttempt(a) {
      hookOk.inc({ result: a.ok ? 'ok' : 'failed' });
      if (!a.ok) hookFailed.inc({ event: a.event.event });
      if (!a.ok && a.final) hookDead.inc();
    },
    apiError(code) {
      errors.inc({ code, source: 'api' });
    },
    close() {
      loop.disable();
      r.clear();
    },
  };
}

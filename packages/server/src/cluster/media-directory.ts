import { EventEmitter } from 'node:events';
import { redisPing } from './redis-readiness.js';
import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { MediaPlacement, NodeBases } from '../core/placement-port.js';
import { GHOST_MARK, HEARTBEAT_TTL_BEATS } from './media-heartbeat.js';
import { connectRedis } from './redis-connect.js';
import {
  type MediaRegistryEvent,
  mediaKeys,
  parseRegistryEvent,
  parseStreamField,
  streamField,
} from './media-keys.js';
import {
  DEFAULT_PLACEMENT,
  type PlacementNode,
  type PlacementOptions,
  placeStream,
} from './media-placement.js';

/** A media node as a signaling node sees it. */
export interface MediaNodeView {
  id: string;
  rtmpBase: string;
  flvBase: string;
  streams: number;
  players: number;
  draining: boolean;
  /** Last heartbeat, ms since epoch. */
  lastBeat: number;
  /** Heartbeat expired: no placement, and its streams end after the takeover grace. */
  gone: boolean;
}

/** Inputs of {@link MediaDirectory}. */
export interface MediaDirectoryOptions {
  /** This signaling node's id (owner of the reap lock, in logs). */
  nodeId: string;
  /** The media nodes' heartbeat interval (`media.heartbeatMs`): also this view's refresh interval. */
  heartbeatMs: number;
  /** How long a dead node's streams stay listed before they end (`media.takeoverGraceMs`). */
  takeoverGraceMs: number;
  /** How long a placement counts on its node before the stream goes live; default 30 s. */
  placementHoldMs?: number;
  placement?: PlacementOptions;
  log: Logger;
}

/** What the reaper ends a dead node's streams through (the server's MediaBridge). */
export interface StreamEnder {
  streamGone(appID: number, streamID: string, reason: string): void;
}

interface Where {
  node: string;
  appID: number;
  roomID: string;
  /** When this view learned it (ms). */
  at: number;
}

/** Events of a {@link MediaDirectory}, for operators' logs and tests that wait on the view. */
export interface MediaDirectoryEvents {
  /** The view was read from Redis (or changed by an event). */
  change: [];
  /** A dead node's streams were ended by this signaling node. */
  reaped: [node: string, streams: number];
}

/** Deletes a stream's location only if it still names the dead node. */
const DEL_IF_NODE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Signaling's view of the media nodes registered in Redis, and the placement that uses it. The view
 * lives in memory, refreshed every heartbeat and updated between beats from the registry's pub/sub
 * channel, so building a push/play URL never waits on Redis. It also ends the streams of a node whose
 * heartbeat stopped, once the takeover grace is over: one signaling node does it, under a Redis lock.
 */
export class MediaDirectory extends EventEmitter<MediaDirectoryEvents> implements MediaPlacement {
  readonly #redis: Redis;
  readonly #sub: Redis;
  readonly #o: Required<Omit<MediaDirectoryOptions, 'placement'>> & { placement: PlacementOptions };
  #nodes = new Map<string, MediaNodeView>();
  /** Streams live on a node, by `<appID>:<streamID>`. */
  #live = new Map<string, Where>();
  /** Streams placed on a node and not (yet) live. */
  readonly #placed = new Map<string, Where>();
  readonly #reaping = new Set<string>();
  #ender: StreamEnder | undefined;
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #again = false;
  #closed = false;

  /** `sub` is a second connection, given over to the subscription. */
  constructor(redis: Redis, sub: Redis, opts: MediaDirectoryOptions) {
    super();
    this.#redis = redis;
    this.#sub = sub;
    this.#o = { placementHoldMs: 30_000, ...opts, placement: opts.placement ?? DEFAULT_PLACEMENT };
  }

  /** Where the reaper ends streams (the server's media bridge); without it nothing is reaped. */
  /** Reachability of this view's Redis link, for `/readyz` (`redis-media`). */
  ping(): Promise<void> {
    return redisPing(this.#redis)();
  }

  attach(ender: StreamEnder): void {
    this.#ender = ender;
  }

  /** Subscribes, reads the registry once, then refreshes every heartbeat. */
  async start(): Promise<void> {
    this.#sub.on('message', (_channel: string, raw: string) => {
      const e = parseRegistryEvent(raw);
      if (e) this.#onEvent(e);
    });
    await this.#sub.subscribe(mediaKeys.events);
    await this.refresh();
    this.#timer = setInterval(() => {
      this.refresh().catch((err: unknown) => this.#o.log.warn({ err }, 'media directory refresh failed'));
    }, this.#o.heartbeatMs);
    this.#timer.unref();
  }

  /** The media nodes as last read (for operators, metrics and tests). */
  nodes(): MediaNodeView[] {
    const now = Date.now();
    return [...this.#nodes.values()].map((n) => ({ ...n, gone: this.#isGone(n, now) }));
  }

  /** The node a stream is live (or placed) on, by id. */
  nodeOf(appID: number, streamID: string): string | undefined {
    const f = streamField(appID, streamID);
    return (this.#live.get(f) ?? this.#placedNow(f))?.node;
  }

  placePush(appID: number, roomID: string, streamID: string): NodeBases | undefined {
    if (this.#nodes.size === 0) return undefined;
    const now = Date.now();
    const f = streamField(appID, streamID);
    const live = this.#live.get(f);
    const at = live && this.#nodes.get(live.node);
    if (at && !this.#isGone(at, now)) return bases(at);
    const pending = new Map<string, number>();
    const inRoom = new Map<string, number>();
    for (const [k, w] of this.#placed) {
      if (now - w.at > this.#o.placementHoldMs || this.#live.has(k)) continue;
      pending.set(w.node, (pending.get(w.node) ?? 0) + 1);
      if (w.appID === appID && w.roomID === roomID) inRoom.set(w.node, (inRoom.get(w.node) ?? 0) + 1);
    }
    for (const w of this.#live.values()) {
      if (w.appID === appID && w.roomID === roomID) inRoom.set(w.node, (inRoom.get(w.node) ?? 0) + 1);
    }
    const candidates: PlacementNode[] = [...this.#nodes.values()].map((n) => ({
      id: n.id,
      streams: n.streams,
      players: n.players,
      pending: pending.get(n.id) ?? 0,
      draining: n.draining,
      gone: this.#isGone(n, now) || !n.rtmpBase,
    }));
    const chosen = placeStream(candidates, inRoom, this.#o.placement);
    const node = chosen && this.#nodes.get(chosen.id);
    if (!node) throw new MiniRtcError(ErrorCode.MEDIA_NODE_UNAVAILABLE);
    this.#placed.set(f, { node: node.id, appID, roomID, at: now });
    const event: MediaRegistryEvent = { kind: 'placed', node: node.id, appID, streamID, roomID };
    this.#redis
      .multi()
      .set(mediaKeys.stream(appID, streamID), node.id, 'PX', this.#o.placementHoldMs)
      .publish(mediaKeys.events, JSON.stringify(event))
      .exec()
      .catch((err: unknown) => this.#o.log.warn({ err }, 'could not record a placement'));
    this.#o.log.debug({ appID, roomID, streamID, node: node.id }, 'stream placed');
    return bases(node);
  }

  locate(appID: number, streamID: string): NodeBases | undefined {
    const id = this.nodeOf(appID, streamID);
    const n = id ? this.#nodes.get(id) : undefined;
    return n && !this.#isGone(n, Date.now()) ? bases(n) : undefined;
  }

  /**
   * Reads the registry now: nodes, their load and streams; then ends the streams of nodes dead for
   * longer than the takeover grace. Concurrent calls share one read (and one more runs after it).
   */
  refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = this.#read().finally(() => {
      this.#refreshing = undefined;
      if (this.#again && !this.#closed) {
        this.#again = false;
        void this.refresh().catch(() => undefined);
      }
    });
    return this.#refreshing;
  }

  /** Stops refreshing and unsubscribes (the connections belong to the caller). */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#sub.unsubscribe(mediaKeys.events).catch(() => undefined);
  }

  async #read(): Promise<void> {
    const began = Date.now();
    const flat = await this.#redis.zrange(mediaKeys.nodes, '0', '-1', 'WITHSCORES');
    const ids: [string, number][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) ids.push([flat[i] as string, Number(flat[i + 1])]);
    const p = this.#redis.pipeline();
    for (const [id] of ids) p.hgetall(mediaKeys.node(id)).hgetall(mediaKeys.nodeStreams(id));
    const res = ids.length ? ((await p.exec()) ?? []) : [];
    const nodes = new Map<string, MediaNodeView>();
    const live = new Map<string, Where>();
    ids.forEach(([id, lastBeat], i) => {
      const h = (res[2 * i]?.[1] ?? {}) as Record<string, string>;
      const s = (res[2 * i + 1]?.[1] ?? {}) as Record<string, string>;
      nodes.set(id, {
        id,
        rtmpBase: h.rtmpBase ?? '',
        flvBase: h.flvBase ?? '',
        streams: Number(h.streams) || 0,
        players: Number(h.players) || 0,
        draining: h.draining === '1',
        lastBeat,
        gone: false,
      });
      for (const [field, roomID] of Object.entries(s)) {
        const k = parseStreamField(field);
        if (k) live.set(field, { node: id, appID: k.appID, roomID, at: began });
      }
    });
    // Events that arrived while this read was in flight are newer than it.
    for (const [k, w] of this.#live) if (w.at > began && !live.has(k)) live.set(k, w);
    this.#nodes = nodes;
    this.#live = live;
    for (const [k, w] of this.#placed) if (began - w.at > this.#o.placementHoldMs) this.#placed.delete(k);
    this.emit('change');
    const deadline = HEARTBEAT_TTL_BEATS * this.#o.heartbeatMs + this.#o.takeoverGraceMs;
    for (const n of nodes.values()) {
      if (began - n.lastBeat > deadline && !this.#reaping.has(n.id) && this.#ender) void this.#reap(n.id);
    }
  }

  /** Ends a dead node's streams (once across all signaling nodes) and removes it from the registry. */
  async #reap(id: string): Promise<void> {
    this.#reaping.add(id);
    try {
      const won = await this.#redis.set(mediaKeys.reap(id), this.#o.nodeId, 'PX', 60_000, 'NX');
      if (won !== 'OK') return;
      const held = await this.#redis.hgetall(mediaKeys.nodeStreams(id));
      // A retired incarnation (`<id>~<t>`) was listed under its node's id.
      const home = id.split(GHOST_MARK)[0] as string;
      const streams = Object.entries(held).flatMap(([f, roomID]) => {
        const k = parseStreamField(f);
        return k ? [{ f, ...k, roomID }] : [];
      });
      const owners = streams.length
        ? await this.#redis.mget(streams.map((s) => mediaKeys.stream(s.appID, s.streamID)))
        : [];
      // Republished elsewhere in the meantime (or on this node's next run): that node holds it now.
      const check = this.#redis.pipeline();
      for (const [i, s] of streams.entries()) check.hexists(mediaKeys.nodeStreams(owners[i] ?? id), s.f);
      const heldElsewhere = streams.length ? ((await check.exec()) ?? []) : [];
      let ended = 0;
      for (const [i, s] of streams.entries()) {
        const owner = owners[i];
        if (owner && owner !== id && heldElsewhere[i]?.[1] === 1) continue;
        this.#ender?.streamGone(s.appID, s.streamID, 'media node lost');
        this.#live.delete(s.f);
        ended += 1;
        await this.#redis.eval(DEL_IF_NODE, 1, mediaKeys.stream(s.appID, s.streamID), home);
      }
      await this.#redis
        .multi()
        .zrem(mediaKeys.nodes, id)
        .del(mediaKeys.node(id), mediaKeys.nodeStreams(id))
        .publish(mediaKeys.events, JSON.stringify({ kind: 'node', node: id }))
        .exec();
      this.#nodes.delete(id);
      this.#o.log.warn({ mediaNode: id, streams: ended }, 'media node lost: its streams ended');
      this.emit('reaped', id, ended);
    } catch (err) {
      this.#o.log.warn({ err, mediaNode: id }, 'could not end a lost media node’s streams');
    } finally {
      this.#reaping.delete(id);
    }
  }

  #onEvent(e: MediaRegistryEvent): void {
    if (e.kind === 'node') {
      void this.refresh().catch(() => undefined);
      return;
    }
    const f = streamField(e.appID, e.streamID);
    const w: Where = { node: e.node, appID: e.appID, roomID: e.roomID, at: Date.now() };
    if (e.kind === 'placed') this.#placed.set(f, w);
    else if (e.kind === 'live') {
      this.#live.set(f, w);
      this.#placed.delete(f);
    } else if (this.#live.get(f)?.node === e.node) this.#live.delete(f);
    this.emit('change');
    // A node we have not seen yet (it just started): read it now.
    if (!this.#nodes.has(e.node)) void this.refresh().catch(() => undefined);
  }

  #placedNow(f: string): Where | undefined {
    const w = this.#placed.get(f);
    return w && Date.now() - w.at <= this.#o.placementHoldMs ? w : undefined;
  }

  #isGone(n: MediaNodeView, now: number): boolean {
    return now - n.lastBeat > HEARTBEAT_TTL_BEATS * this.#o.heartbeatMs;
  }
}

function bases(n: MediaNodeView): NodeBases {
  return { rtmp: n.rtmpBase, flv: n.flvBase };
}

/** A {@link MediaDirectory} with its own two Redis connections, started. */
export interface ConnectedMediaDirectory {
  directory: MediaDirectory;
  /** Stops the directory and closes its connections. */
  close(): Promise<void>;
}

/**
 * Connects to `redisUrl` (a command connection and a subscriber, named after the node in `CLIENT
 * LIST`) and starts a {@link MediaDirectory}; rejects if Redis cannot be reached.
 */
export async function connectMediaDirectory(
  redisUrl: string,
  opts: MediaDirectoryOptions,
): Promise<ConnectedMediaDirectory> {
  const redis = connectRedis(redisUrl, `minirtc-${opts.nodeId}-media`);
  const sub = connectRedis(redisUrl, `minirtc-${opts.nodeId}-media-sub`, { enableAutoPipelining: false });
  const directory = new MediaDirectory(redis, sub, opts);
  const close = async (): Promise<void> => {
    await directory.close();
    sub.disconnect();
    await redis.quit().catch(() => redis.disconnect());
  };
  try {
    await directory.start();
  } catch (e) {
    await close();
    throw e;
  }
  return { directory, close };
}

import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { type MediaRegistryEvent, mediaKeys, streamField } from './media-keys.js';

/** What a media node advertises and how often. */
export interface MediaHeartbeatOptions {
  /** This node's id (`nodeId`). */
  id: string;
  /** Push/pull base clients are given for streams placed here, e.g. `rtmp://media-1:1935/live`. */
  rtmpBase: string;
  /** HTTP-FLV base, e.g. `http://media-1:8081/live`; empty when the node serves no HTTP-FLV. */
  flvBase: string;
  /** Interval of the heartbeat; the node counts as gone after {@link HEARTBEAT_TTL_BEATS} of them. */
  heartbeatMs: number;
  /** How long the node's stream list must outlive it, for the reaper (the takeover grace). */
  takeoverGraceMs: number;
  /** The node's load now. */
  load: () => { streams: number; players: number };
  /** The streams live here now (the registry's copy is rewritten from it after Redis was lost). */
  held: () => HeldStream[];
  /**
   * Redis was out of reach for longer than the heartbeat TTL plus the grace: signaling has presumed
   * this node dead and ended its streams, so the node ends them too (their publishers retry and are
   * placed again) rather than carry streams no room lists.
   */
  onFenced?: () => void;
  log: Logger;
}

/** A stream a media node holds. */
export interface HeldStream {
  appID: number;
  streamID: string;
  roomID: string;
}

/** Heartbeats missed before a node is presumed dead. */
export const HEARTBEAT_TTL_BEATS = 3;

/** Separates a node id from the start time of its retired incarnation (`~` is not allowed in ids). */
export const GHOST_MARK = '~';

/** Deletes a stream's location only if it still names this node (a republish elsewhere wins). */
const DEL_IF_MINE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * The registry writer of `minirtc media`: a heartbeat with the node's load (zset score + hash with a
 * TTL of a few beats), the streams it holds (set on publish, removed on stop) and its drain flag.
 * Redis being down only delays the next beat: media keeps flowing, signaling stops placing here once
 * the heartbeat expires.
 */
export class MediaNodeHeartbeat {
  readonly #redis: Redis;
  readonly #o: MediaHeartbeatOptions;
  readonly #startedAt = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #draining = false;
  #closed = false;
  /** Last heartbeat Redis took (ms); a stream report may have been lost since a failed one. */
  #lastOk = 0;
  #resync = false;

  constructor(redis: Redis, opts: MediaHeartbeatOptions) {
    this.#redis = redis;
    this.#o = opts;
  }

  /** True once draining: signaling places no new stream here. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Registers the node (first beat awaited, so a failure to reach Redis fails the start) and keeps beating. */
  async start(): Promise<void> {
    await this.#retireLastIncarnation();
    await this.beat();
    await this.#redis.publish(mediaKeys.events, JSON.stringify({ kind: 'node', node: this.#o.id }));
    this.#timer = setInterval(() => {
      this.beat().catch((err: unknown) => this.#o.log.warn({ err }, 'media heartbeat failed'));
    }, this.#o.heartbeatMs);
    this.#timer.unref();
  }

  /** Writes one heartbeat now. */
  async beat(): Promise<void> {
    if (this.#closed) return;
    const { id, heartbeatMs } = this.#o;
    const ttl = heartbeatMs * HEARTBEAT_TTL_BEATS;
    const now = Date.now();
    if (this.#lastOk && now - this.#lastOk > ttl + this.#o.takeoverGraceMs) {
      this.#o.log.warn({ node: id, offlineMs: now - this.#lastOk }, 'media node was cut off from Redis');
      this.#lastOk = 0;
      this.#o.onFenced?.();
    }
    const { streams, players } = this.#o.load();
    const m = this.#redis.multi();
    if (this.#resync) {
      // Reports may have been lost while Redis was away: the list is rewritten from what is held.
      m.del(mediaKeys.nodeStreams(id));
      for (const h of this.#o.held()) {
        m.set(mediaKeys.stream(h.appID, h.streamID), id);
        m.hset(mediaKeys.nodeStreams(id), streamField(h.appID, h.streamID), h.roomID);
      }
    }
    await m
      .zadd(mediaKeys.nodes, now, id)
      .hset(mediaKeys.node(id), {
        rtmpBase: this.#o.rtmpBase,
        flvBase: this.#o.flvBase,
        streams,
        players,
        draining: this.#draining ? 1 : 0,
        startedAt: this.#startedAt,
      })
      .pexpire(mediaKeys.node(id), ttl)
      .pexpire(mediaKeys.nodeStreams(id), ttl + this.#o.takeoverGraceMs + 600_000)
      .exec()
      .then(
        () => {
          this.#lastOk = now;
          this.#resync = false;
        },
        (e: unknown) => {
          this.#resync = true;
          throw e;
        },
      );
  }

  /**
   * A node restarted under the same id (a fixed `nodeId`) finds the streams of its last life still
   * listed: they are moved to a ghost entry with the old heartbeat, which signaling ends after the
   * grace like any dead node's, instead of being lost (and listed live forever).
   */
  async #retireLastIncarnation(): Promise<void> {
    const id = this.#o.id;
    const [count, score] = await Promise.all([
      this.#redis.hlen(mediaKeys.nodeStreams(id)),
      this.#redis.zscore(mediaKeys.nodes, id),
    ]);
    if (count === 0) return;
    const ghost = `${id}${GHOST_MARK}${Date.now()}`;
    await this.#redis
      .multi()
      .rename(mediaKeys.nodeStreams(id), mediaKeys.nodeStreams(ghost))
      .zadd(mediaKeys.nodes, Number(score ?? 0), ghost)
      .exec();
    this.#o.log.info({ node: id, streams: count }, 'streams of this node’s last run handed to the reaper');
  }

  /** A stream went live here: record where it is, tell the signaling views now. */
  async streamLive(appID: number, streamID: string, roomID: string): Promise<void> {
    const id = this.#o.id;
    await this.#redis
      .multi()
      .set(mediaKeys.stream(appID, streamID), id)
      .hset(mediaKeys.nodeStreams(id), streamField(appID, streamID), roomID)
      .publish(mediaKeys.events, JSON.stringify(this.#event('live', appID, streamID, roomID)))
      .exec()
      .catch((e: unknown) => this.#lost(e));
  }

  /** A stream ended here. */
  async streamGone(appID: number, streamID: string, roomID: string): Promise<void> {
    const id = this.#o.id;
    if (this.#closed) return;
    await this.#redis
      .multi()
      .eval(DEL_IF_MINE, 1, mediaKeys.stream(appID, streamID), id)
      .hdel(mediaKeys.nodeStreams(id), streamField(appID, streamID))
      .publish(mediaKeys.events, JSON.stringify(this.#event('gone', appID, streamID, roomID)))
      .exec()
      .catch((e: unknown) => this.#lost(e));
  }

  /** Stops new placements here (running streams and players continue); idempotent. */
  async drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    this.#o.log.info({ node: this.#o.id }, 'media node draining: no new placements');
    await this.beat();
    await this.#redis.publish(mediaKeys.events, JSON.stringify({ kind: 'node', node: this.#o.id }));
  }

  /** Leaves the registry (a clean shutdown: streams have been stopped and reported by then). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    const id = this.#o.id;
    await this.#redis
      .multi()
      .zrem(mediaKeys.nodes, id)
      .del(mediaKeys.node(id), mediaKeys.nodeStreams(id))
      .publish(mediaKeys.events, JSON.stringify({ kind: 'node', node: id }))
      .exec()
      .catch((err: unknown) => this.#o.log.warn({ err }, 'media node could not leave the registry'));
  }

  /** A report did not reach Redis: the next heartbeat rewrites the stream list. */
  #lost(e: unknown): never {
    this.#resync = true;
    throw e;
  }

  #event(kind: 'live' | 'gone', appID: number, streamID: string, roomID: string): MediaRegistryEvent {
    return { kind, node: this.#o.id, appID, streamID, roomID };
  }
}

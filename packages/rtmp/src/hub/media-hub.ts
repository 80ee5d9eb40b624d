import { MessageType } from '../protocol/chunk-writer.js';
import { inspectAudio, inspectVideo } from '../protocol/codec.js';
import { BLOCK_TRIM_INTERVAL_MS, BlockPool } from './block-pool.js';
import { GopCache } from './gop-cache.js';
import { type BackpressureState, admit } from './backpressure.js';
import { HubMessage } from './hub-message.js';
import type { MediaHubEvents, PlayerSink, PublisherHandle, StopReason, StreamInfo } from './stream-info.js';
import { type Tracks, tracksFromMetadata } from './stream-tracks.js';
import { TimelineRebase } from './timeline-rebase.js';
import { TypedEmitter, throwListenerError } from '@minirtc/protocol/emitter';

/** Tuning of a {@link MediaHub}. */
export interface MediaHubOptions {
  /** How long a stream outlives its publisher's disconnect (default 30000). */
  takeoverGraceMs?: number;
  /** GOP cache bound in messages (default 1024; 0 disables the cache). */
  gopCacheMaxFrames?: number;
  /** GOP cache bound in bytes (default 16 MiB). */
  gopCacheMaxBytes?: number;
  /** Past this many pending bytes a player drops frames until the next keyframe (default 4 MiB). */
  playerMaxPendingBytes?: number;
  /** Past this many pending bytes a player is closed (default 4 × playerMaxPendingBytes). */
  playerHardPendingBytes?: number;
  /** A player dropping frames for longer than this is closed (default 15000 ms). */
  playerMaxDropMs?: number;
  /**
   * Queue each player's writes and flush them as one batch (one `writev`) instead of one socket write
   * per message per player: the per-write cost dominates fan-out CPU. Batches flush at the end of the
   * current event-loop turn, or after `batchWindowMs` for streams with more than `batchMinPlayers`
   * players (default off in the hub, on in MediaServer).
   */
  writeBatching?: boolean;
  /** Coalescing window for large audiences, ms (default 20). */
  batchWindowMs?: number;
  /** Streams with more players than this use the window; smaller ones flush each turn (default 16). */
  batchMinPlayers?: number;
  /**
   * A live publisher that sent media within this long is not taken over, even by its own owner: a
   * replayed push URL must not displace it (default 2000 ms; 0 = any live publisher may be replaced).
   */
  takeoverSilenceMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

interface Player extends BackpressureState {
  sessionId: string;
  sink: PlayerSink;
  tag: unknown;
  owner: string | undefined;
  silent: boolean;
  /** Bytes waiting for the next batch flush (writeBatching). */
  queue: Buffer[];
  queuedBytes: number;
  /** The sink was told the stream's tracks (see PlayerSink.announceTracks). */
  announced: boolean;
  /** How many more live keyframes of this RTMP player get metadata and sequence headers again (see play). */
  repeatHeaders: number;
}

/** `b` in a buffer of its own, exactly its size (no view of a larger allocation is kept alive). */
function ownCopy(b: Buffer): Buffer {
  const out = Buffer.allocUnsafeSlow(b.length);
  b.copy(out);
  return out;
}

/** Live keyframes after an RTMP join that carry the metadata and sequence headers again (see play). */
const HEADER_REPEATS = 2;

interface Stream {
  key: string;
  app: string;
  name: string;
  owner: string | undefined;
  tag: unknown;
  state: 'live' | 'grace' | 'idle';
  publisher: PublisherHandle | null;
  players: Map<string, Player>;
  metadata: HubMessage | null;
  videoHeader: HubMessage | null;
  audioHeader: HubMessage | null;
  gop: GopCache;
  graceTimer: ReturnType<typeof setTimeout> | null;
  /** When the current publisher last sent media (or started), for the takeover rule. */
  lastMediaAt: number;
  /** Keeps the timeline monotonic, one natural frame step apart, across publishers. */
  timeline: TimelineRebase;
  /** Tracks the publisher's onMetaData declares, if it said. */
  metaTracks: Tracks | null;
  /** Set by the first decodable media frame; see MediaHubEvents.mediaStart. */
  mediaStarted: boolean;
  bytesIn: number;
  bytesOut: number;
  startedAt: number;
  videoCodec: string | null;
  audioCodec: string | null;
  rateStart: number;
  rateBytes: number;
  bitrate: number;
}

/**
 * Stream key → publisher + players. Knows nothing of sockets or rooms: adapters hand it
 * {@link PublisherHandle}s and {@link PlayerSink}s. It owns the fan-out (one serialization per
 * wire format), the late-joiner cache (metadata, sequence headers, GOP), backpressure per player,
 * and publisher takeover within the grace window.
 */
export class MediaHub extends TypedEmitter<MediaHubEvents> {
  /** A listener's bug is thrown from `emit` (after every listener ran): the caller's recovery closes only the connection that triggered it. */
  override onListenerError = throwListenerError;

  private readonly streamsByKey = new Map<string, Stream>();
  private readonly graceMs: number;
  private readonly silenceMs: number;
  private readonly gopFrames: number;
  private readonly gopBytes: number;
  private readonly limits: { soft: number; hard: number; maxDropMs: number };
  private readonly now: () => number;
  private readonly batching: boolean;
  private readonly batchWindowMs: number;
  private readonly batchMinPlayers: number;
  /** Players with queued bytes, flushed at the end of this turn / after the window. */
  private readonly dueNow = new Set<Player>();
  private readonly dueLater = new Set<Player>();
  private immediate: ReturnType<typeof setImmediate> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Blocks of every stream's GOP cache: one stream's freed GOP is refilled by others. */
  private readonly gopBlocks = new BlockPool();
  /** Gives back the free blocks no stream needed for a whole period. */
  private readonly trimTimer: ReturnType<typeof setInterval>;

  constructor(opts: MediaHubOptions = {}) {
    super();
    this.trimTimer = setInterval(() => this.gopBlocks.trim(), BLOCK_TRIM_INTERVAL_MS);
    this.trimTimer.unref();
    this.batching = opts.writeBatching ?? false;
    this.batchWindowMs = opts.batchWindowMs ?? 20;
    this.batchMinPlayers = opts.batchMinPlayers ?? 16;
    this.graceMs = opts.takeoverGraceMs ?? 30_000;
    this.silenceMs = opts.takeoverSilenceMs ?? 2000;
    this.gopFrames = opts.gopCacheMaxFrames ?? 1024;
    this.gopBytes = opts.gopCacheMaxBytes ?? 16 * 1024 * 1024;
    const soft = opts.playerMaxPendingBytes ?? 4 * 1024 * 1024;
    this.limits = {
      soft,
      hard: opts.playerHardPendingBytes ?? soft * 4,
      maxDropMs: opts.playerMaxDropMs ?? 15_000,
    };
    this.now = opts.now ?? Date.now;
  }

  /**
   * Starts or takes over a publish. A live or in-grace stream is taken over only by the same
   * `owner` (a stale connection of the same owner is closed); an ownerless publish may only
   * reclaim a stream in grace that had no owner either. A live publisher still sending media (within
   * `takeoverSilenceMs`) is never displaced. Anything else is refused (BadName).
   */
  publish(p: {
    key: string;
    app: string;
    stream: string;
    owner?: string;
    tag?: unknown;
    publisher: PublisherHandle;
  }): { ok: true; replaced: boolean } | { ok: false; reason: string } {
    let s = this.streamsByKey.get(p.key);
    if (!s || s.state === 'idle') {
      s ??= this.create(p.key, p.app, p.stream);
      this.streamsByKey.set(p.key, s);
      Object.assign(s, {
        state: 'live',
        owner: p.owner,
        tag: p.tag,
        publisher: p.publisher,
        startedAt: this.now(),
        lastMediaAt: this.now(),
        mediaStarted: false,
      });
      this.emit('publishStart', this.info(s));
      return { ok: true, replaced: false };
    }
    const sameOwner =
      p.owner !== undefined ? p.owner === s.owner : s.owner === undefined && s.state === 'grace';
    if (!sameOwner) return { ok: false, reason: `stream ${p.key} is already published` };
    // The owner's credentials may have been replayed: a publisher that is still sending keeps its
    // stream. Only a closed (grace) or silent one is taken over.
    if (s.state === 'live' && this.silenceMs > 0 && this.now() - s.lastMediaAt < this.silenceMs) {
      return { ok: false, reason: `stream ${p.key} is already published` };
    }
    if (s.graceTimer) clearTimeout(s.graceTimer);
    s.graceTimer = null;
    const old = s.publisher;
    Object.assign(s, { state: 'live', tag: p.tag, publisher: p.publisher, lastMediaAt: this.now() });
    s.timeline.publisherChanged();
    old?.close('replaced');
    s.gop.clear();
    for (const pl of s.players.values()) pl.waitingKeyframe = true;
    this.emit('publishReplaced', this.info(s));
    return { ok: true, replaced: true };
  }

  /**
   * The publisher `sessionId` stopped. A clean unpublish ends the stream; a disconnect starts the
   * grace window, keeping players attached for a takeover. Stale sessions are ignored.
   */
  unpublish(key: string, sessionId: string, clean: boolean): void {
    const s = this.streamsByKey.get(key);
    if (!s || s.publisher?.sessionId !== sessionId) return;
    if (clean || this.graceMs <= 0) {
      // A publisher that unpublished cleanly closes its own connection (GStreamer's rtmp2sink
      // reports an error if the server closes it first); only a timed-out one is closed here.
      if (clean) s.publisher = null;
      this.end(s, clean ? 'normal' : 'timeout');
      return;
    }
    s.publisher = null;
    s.state = 'grace';
    s.graceTimer = setTimeout(() => this.end(s, 'timeout'), this.graceMs);
    this.emit('publishInterrupted', this.info(s));
  }

  /** Media from the publisher `sessionId` (audio, video or a non-metadata data message). */
  media(key: string, sessionId: string, typeId: number, timestamp: number, payload: Buffer): void {
    const s = this.streamsByKey.get(key);
    if (!s || s.publisher?.sessionId !== sessionId) return;
    s.lastMediaAt = this.now();
    const ts = s.timeline.map(timestamp);
    this.account(s, payload.length);
    const info =
      typeId === MessageType.VIDEO
        ? inspectVideo(payload)
        : typeId === MessageType.AUDIO
          ? inspectAudio(payload)
          : null;
    const msg = new HubMessage(typeId, ts, payload, typeId === MessageType.VIDEO && !!info?.keyframe);
    if (typeId === MessageType.VIDEO && info) s.videoCodec = info.codec;
    if (typeId === MessageType.AUDIO && info) s.audioCodec = info.codec;
    if (info?.sequenceHeader) {
      // Kept for the stream's life: a copy of its own, not a view pinning the reader's slab.
      const kept = new HubMessage(typeId, ts, ownCopy(payload), msg.keyframe);
      if (typeId === MessageType.VIDEO) s.videoHeader = kept;
      else s.audioHeader = kept;
      // Decoder config goes to everyone, even players skipping frames: later frames need it.
      for (const p of s.players.values()) this.write(s, p, kept.partsFor(p.sink));
      return;
    }
    s.timeline.played(typeId, ts);
    s.gop.push(msg, msg.keyframe);
    if (!s.mediaStarted && (msg.keyframe || (typeId === MessageType.AUDIO && !s.videoHeader))) {
      s.mediaStarted = true;
      this.emit('mediaStart', this.info(s));
    }
    // A Map may lose entries while it is iterated (deliver can detach a player): no copy needed.
    for (const p of s.players.values()) this.deliver(s, p, msg);
    // The cache keeps the payload; the bytes just written (already handed to the players' sockets or
    // queues) are not kept twice. A late joiner serializes the GOP again.
    msg.dropWire();
  }

  /** `onMetaData` body from the publisher; cached and relayed. */
  metadata(key: string, sessionId: string, body: Buffer): void {
    const s = this.streamsByKey.get(key);
    if (!s || s.publisher?.sessionId !== sessionId) return;
    s.metadata = new HubMessage(MessageType.DATA_AMF0, 0, ownCopy(body));
    s.metaTracks = tracksFromMetadata(body);
    for (const p of s.players.values()) this.write(s, p, s.metadata.partsFor(p.sink));
  }

  /**
   * Attaches a player. It gets metadata, sequence headers and the GOP cache in one batch, so it
   * can render at once. A player of a stream that is not published yet waits for it.
   */
  play(p: {
    key: string;
    app: string;
    stream: string;
    sessionId: string;
    tag?: unknown;
    owner?: string;
    sink: PlayerSink;
    /** An internal consumer (a recorder): no play events, not counted as a player. */
    silent?: boolean;
  }): void {
    let s = this.streamsByKey.get(p.key);
    if (!s) {
      s = this.create(p.key, p.app, p.stream);
      this.streamsByKey.set(p.key, s);
    }
    const gop = s.gop.snapshot();
    const player: Player = {
      sessionId: p.sessionId,
      sink: p.sink,
      tag: p.tag,
      owner: p.owner,
      waitingKeyframe: gop.length === 0,
      droppingSince: null,
      silent: p.silent === true,
      queue: [],
      queuedBytes: 0,
      announced: false,
      repeatHeaders: 0,
    };
    s.players.set(p.sessionId, player);
    const burst = [s.metadata, s.videoHeader, s.audioHeader, ...gop]
      .filter((m): m is HubMessage => m !== null)
      .flatMap((m) => m.partsFor(p.sink));
    if (burst.length) {
      this.announce(s, player);
      p.sink.writeBatch(burst);
      for (const b of burst) s.bytesOut += b.length;
      // The join burst follows Play.Start in the same TCP segment, and some RTMP clients only start
      // taking media once they have handled Play.Start: node-media-server's relay drops the burst,
      // headers included, and then can never decode. nginx-rtmp sends the headers with the first
      // live frame; we repeat them there (decoders take an identical header again as a no-op). Twice:
      // when the first live keyframe lands right behind the burst (one TCP read on a busy machine), the
      // client drops it as well, and the next keyframe, a GOP later, is the one that gets through.
      player.repeatHeaders =
        p.sink.format === 'rtmp' && (s.videoHeader !== null || s.audioHeader !== null) ? HEADER_REPEATS : 0;
    }
    if (!player.silent) this.emit('playStart', this.info(s), p.sessionId, p.tag);
  }

  /** Detaches a player (it stopped or disconnected). */
  stopPlay(key: string, sessionId: string): void {
    const s = this.streamsByKey.get(key);
    const p = s?.players.get(sessionId);
    if (!s || !p) return;
    this.detach(s, p);
  }

  /** Ends a stream now: publisher and players closed, 'publishStop' with reason 'closed'. */
  closeStream(key: string, reason = 'closed'): boolean {
    const s = this.streamsByKey.get(key);
    if (!s) return false;
    this.end(s, 'closed', reason);
    return true;
  }

  /** Drops every session the predicate matches; a matched publisher ends its stream. */
  dropSessions(
    match: (s: { key: string; kind: 'publish' | 'play'; owner?: string; tag?: unknown }) => boolean,
  ): number {
    let n = 0;
    for (const s of [...this.streamsByKey.values()]) {
      if (s.state !== 'idle' && match({ key: s.key, kind: 'publish', owner: s.owner, tag: s.tag })) {
        if (s.publisher) n++;
        this.end(s, 'closed', 'publish grant revoked');
        continue;
      }
      for (const p of [...s.players.values()]) {
        if (!match({ key: s.key, kind: 'play', owner: p.owner, tag: p.tag })) continue;
        n++;
        this.detach(s, p, 'play grant revoked');
      }
    }
    return n;
  }

  /** Snapshot of every published (live or in-grace) stream. */
  streams(): StreamInfo[] {
    return [...this.streamsByKey.values()].filter((s) => s.state !== 'idle').map((s) => this.info(s));
  }

  /** Info of one stream, or null. */
  get(key: string): StreamInfo | null {
    const s = this.streamsByKey.get(key);
    return s ? this.info(s) : null;
  }

  /**
   * Memory of the GOP caches: payload bytes cached, bytes of the blocks holding them, and free blocks
   * kept for reuse.
   */
  gopMemory(): { cachedBytes: number; blockBytes: number; freeBytes: number } {
    let cachedBytes = 0;
    for (const s of this.streamsByKey.values()) cachedBytes += s.gop.byteSize;
    return { cachedBytes, blockBytes: this.gopBlocks.bytesInUse, freeBytes: this.gopBlocks.bytesFree };
  }

  /** Ends everything (server shutdown). */
  close(): void {
    for (const s of [...this.streamsByKey.values()]) this.end(s, 'closed', 'server shutting down');
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    clearInterval(this.trimTimer);
    this.timer = this.immediate = null;
    this.dueNow.clear();
    this.dueLater.clear();
  }

  private create(key: string, app: string, name: string): Stream {
    return {
      key,
      app,
      name,
      owner: undefined,
      tag: undefined,
      state: 'idle',
      publisher: null,
      players: new Map(),
      metadata: null,
      videoHeader: null,
      audioHeader: null,
      gop: new GopCache(this.gopFrames, this.gopBytes, this.gopBlocks),
      graceTimer: null,
      lastMediaAt: 0,
      timeline: new TimelineRebase(),
      metaTracks: null,
      mediaStarted: false,
      bytesIn: 0,
      bytesOut: 0,
      startedAt: this.now(),
      videoCodec: null,
      audioCodec: null,
      rateStart: this.now(),
      rateBytes: 0,
      bitrate: 0,
    };
  }

  private end(s: Stream, reason: StopReason, detail: string = reason): void {
    if (this.streamsByKey.get(s.key) !== s) return;
    if (s.graceTimer) clearTimeout(s.graceTimer);
    s.graceTimer = null;
    this.streamsByKey.delete(s.key);
    s.gop.clear();
    const wasPublished = s.state !== 'idle';
    s.publisher?.close(detail);
    s.publisher = null;
    for (const p of [...s.players.values()]) this.detach(s, p, `stream ended: ${detail}`);
    if (wasPublished) this.emit('publishStop', this.info(s), reason);
  }

  private detach(s: Stream, p: Player, closeReason?: string): void {
    if (!s.players.delete(p.sessionId)) return;
    this.dueNow.delete(p);
    this.dueLater.delete(p);
    if (closeReason) p.sink.close(closeReason);
    else this.flushPlayer(p);
    if (!p.silent) this.emit('playStop', this.info(s), p.sessionId, p.tag);
    if (s.state === 'idle' && s.players.size === 0 && this.streamsByKey.get(s.key) === s) {
      this.streamsByKey.delete(s.key);
    }
  }

  private deliver(s: Stream, p: Player, msg: HubMessage): void {
    const verdict = admit(p, msg, p.sink.pendingBytes() + p.queuedBytes, this.limits, this.now(), {
      hasVideo: s.videoHeader !== null || s.videoCodec !== null,
    });
    if (verdict === 'write') {
      if (p.repeatHeaders > 0 && (msg.keyframe || (msg.typeId === MessageType.AUDIO && !s.videoHeader))) {
        p.repeatHeaders--;
        for (const h of [s.metadata, s.videoHeader, s.audioHeader])
          if (h) this.write(s, p, h.partsFor(p.sink));
      }
      this.write(s, p, msg.partsFor(p.sink));
    } else if (verdict !== 'skip') this.detach(s, p, verdict.close);
  }

  /**
   * Tells a player's sink the tracks before its first bytes: what onMetaData declares, else the
   * sequence headers and codecs seen so far, else (nothing known yet) both.
   */
  private announce(s: Stream, p: Player): void {
    if (p.announced) return;
    p.announced = true;
    if (!p.sink.announceTracks) return;
    const seen: Tracks = {
      audio: s.audioHeader !== null || s.audioCodec !== null,
      video: s.videoHeader !== null || s.videoCodec !== null,
    };
    const t = s.metaTracks ?? seen;
    p.sink.announceTracks(t.audio || t.video ? t : { audio: true, video: true });
  }

  /** Writes one message's parts (headers and payload views) to a player, now or in its batch. */
  private write(s: Stream, p: Player, parts: Buffer[]): void {
    this.announce(s, p);
    let n = 0;
    for (const b of parts) n += b.length;
    s.bytesOut += n;
    if (!this.batching) {
      if (parts.length === 1) p.sink.write(parts[0] as Buffer);
      else p.sink.writeBatch(parts);
      return;
    }
    const first = p.queue.length === 0;
    for (const b of parts) p.queue.push(b);
    p.queuedBytes += n;
    if (!first) return;
    if (s.players.size > this.batchMinPlayers) {
      this.dueLater.add(p);
      this.timer ??= setTimeout(() => this.flush(this.dueLater, 'timer'), this.batchWindowMs);
    } else {
      this.dueNow.add(p);
      this.immediate ??= setImmediate(() => this.flush(this.dueNow, 'immediate'));
    }
  }

  private flush(due: Set<Player>, which: 'timer' | 'immediate'): void {
    if (which === 'timer') this.timer = null;
    else this.immediate = null;
    for (const p of due) this.flushPlayer(p);
    due.clear();
  }

  private flushPlayer(p: Player): void {
    const q = p.queue;
    if (q.length === 0) return;
    p.queue = [];
    p.queuedBytes = 0;
    if (q.length === 1) p.sink.write(q[0]!);
    else p.sink.writeBatch(q);
  }

  private account(s: Stream, n: number): void {
    s.bytesIn += n;
    s.rateBytes += n;
    const now = this.now();
    const dt = now - s.rateStart;
    if (dt >= 2000) {
      s.bitrate = Math.round((s.rateBytes * 8 * 1000) / dt);
      s.rateStart = now;
      s.rateBytes = 0;
    }
  }

  private info(s: Stream): StreamInfo {
    const out: StreamInfo = {
      key: s.key,
      app: s.app,
      stream: s.name,
      state: s.state,
      publisherSessionId: s.publisher?.sessionId ?? null,
      players: [...s.players.values()].filter((p) => !p.silent).length,
      bytesIn: s.bytesIn,
      bytesOut: s.bytesOut,
      startedAt: s.startedAt,
      videoCodec: s.videoCodec,
      audioCodec: s.audioCodec,
      bitrate: s.bitrate,
    };
    if (s.owner !== undefined) out.owner = s.owner;
    if (s.tag !== undefined) out.tag = s.tag;
    return out;
  }
}

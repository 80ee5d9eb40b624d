import { EventEmitter } from 'node:events';
import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import type { ClientMessage, PushBody, WireRoomExtraInfo } from '@minirtc/protocol';
import { verifyToken04 } from '@minirtc/protocol/crypto';
import type { Redis } from 'ioredis';
import type { AppStore } from '../app-store.js';
import type { Emit } from '../events.js';
import type { Membership, RemoteSession, Room, Session } from '../core/model.js';
import type { Replicator } from '../core/replicator.js';
import type { Signaling } from '../core/signaling.js';
import type { StreamReservation } from '../core/stream-registry.js';
import type { Logger } from '../logger.js';
import type { LoginGuard } from '../security/login-guard.js';
import type { Caller } from '../ws/handlers/context.js';
import {
  type MemberEntry,
  NODES,
  ORPHANS,
  memberTag,
  nodeChannel,
  nodeKey,
  nodeMembersKey,
  parseMemberTag,
  reapKey,
  roomKeys,
  streamKey,
  userKey,
} from './keys.js';
import { connectRedis } from './redis-connect.js';
import { type RoomEvent, applyMember, applyReservation, applyRoomEvent } from './room-events.js';

/** Configuration of {@link SignalingCluster}. */
export interface SignalingClusterOptions {
  redisUrl: string;
  nodeId: string;
  core: Signaling;
  apps: AppStore;
  log: Logger;
  /** How long a dead node's sessions stay in their rooms for their clients to come back elsewhere. */
  resumeGraceMs: number;
  /** Failed-login budgets, shared through Redis (a failure anywhere counts everywhere). */
  loginGuard?: LoginGuard;
  /** Reports what the shared state decides (`roomClosed`). */
  emit: Emit;
  /** Heartbeat period; default 1000 ms. A node is dead after `3 ×` this without one. */
  heartbeatMs?: number;
}

/** A node's replica of one room: subscribed, loaded, or loading (events wait meanwhile). */
interface Replica {
  appID: number;
  roomID: string;
  ready: Promise<void>;
  /** Events received while the snapshot loads; null once applied. */
  pending: RoomEvent[] | null;
  touched: number;
}

/** A room's shared state as read from Redis (hash fields → JSON). */
interface Snapshot {
  meta: Record<string, string>;
  members: Record<string, string>;
  streams: Record<string, string>;
  extra: Record<string, string>;
}

/** A command between nodes, on the target node's channel. */
type NodeCommand =
  | { t: 'kick'; appID: number; userID: string; sid: string; reply: string; rid: string }
  | { t: 'kickRoom'; appID: number; roomID: string; userID: string; sid: string; code: number; why: string }
  | { t: 'done'; rid: string };

/** Failed-login counter of an address (`a`) or app (`p`) for one minute. */
const failKey = (kind: 'a' | 'p', id: string, minute: number): string =>
  `minirtc:sig:fail:${kind}:${id}:${minute}`;

/** Rooms idle this long with nobody in the replica are unsubscribed. */
const IDLE_REPLICA_MS = 5000;
/** How long a login waits for another node to kick the user's older session. */
const KICK_TIMEOUT_MS = 3000;
/** A streamID claimed by `publish` expires unless the reservation lands. */
const CLAIM_MS = 15_000;

const CLAIM_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4]) return 1 end
local o = cjson.decode(v)
if o.userID ~= ARGV[2] then return 0 end
if o.roomID ~= ARGV[3] then return 2 end
return 1`;

const LEAVE_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and cjson.decode(cur).sid == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
local left = redis.call('HLEN', KEYS[1])
local closed = 0
if left == 0 and redis.call('DEL', KEYS[2]) == 1 then closed = 1 end
if left == 0 then redis.call('DEL', KEYS[3], KEYS[4]) end
redis.call('SREM', KEYS[5], ARGV[3])
redis.call('PUBLISH', KEYS[6], ARGV[4])
return closed`;

/**
 * Every window key (the first ARGV[2] keys) under the limit ARGV[1]: take one from each, and when a
 * room's meta key follows them, return its next broadcast messageID (else 0). Over the limit: take
 * nothing, return -1.
 */
const RATE_SCRIPT = `
local limit = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
for i = 1, n do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= limit then return -1 end
end
for i = 1, n do
  redis.call('INCR', KEYS[i])
  redis.call('PEXPIRE', KEYS[i], 2000)
end
if #KEYS > n then return redis.call('HINCRBY', KEYS[n + 1], 'bcast', 1) end
return 0`;

const USER_END_SCRIPT = `
if redis.call('HGET', KEYS[1], 'sid') == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`;

const USER_DETACH_SCRIPT = `
if redis.call('HGET', KEYS[1], 'sid') == ARGV[1] then redis.call('HSET', KEYS[1], 'att', '0') end
return 1`;

/**
 * Makes one signaling node part of a cluster sharing Redis (see docs/scaling.md):
 * - **State**: every transition the node makes is written to the room's hashes (members, streams,
 *   extra info), the streamID owners, the users' current sessions, in one MULTI with the PUBLISH
 *   that tells the other nodes.
 * - **Replicas**: a node holds a replica of each room it serves (a client logged in, a media hook,
 *   an API call): subscribe to the room's channel, load the hashes, apply what others publish. Local
 *   members hear of remote ones through the unchanged core; a remote member is a {@link RemoteSession}.
 * - **Node life**: a heartbeat key per node; when one expires, one surviving node (a lock) turns the
 *   dead node's memberships into orphans with a deadline one grace window away. A client that logs
 *   in again anywhere within it takes its memberships over silently (nobody sees it leave); at the
 *   deadline the rest leave, as a grace window ends on one node.
 */
export class SignalingCluster extends EventEmitter<{ resynced: [] }> implements Replicator {
  readonly redis: Redis;
  readonly #sub: Redis;
  readonly #o: SignalingClusterOptions;
  readonly #replicas = new Map<string, Replica>();
  readonly #byChannel = new Map<string, Replica>();
  readonly #waiting = new Map<string, () => void>();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #heartbeatMs: number;
  #ridSeq = 0;
  #closed = false;
  /** Set once {@link start} is done: a later `ready` of the subscriber is a reconnection. */
  #started = false;

  constructor(o: SignalingClusterOptions) {
    super();
    this.#o = o;
    this.#heartbeatMs = o.heartbeatMs ?? 1000;
    this.redis = connectRedis(o.redisUrl, `minirtc-sig-${o.nodeId}`);
    this.#sub = connectRedis(o.redisUrl, `minirtc-sig-sub-${o.nodeId}`, { enableAutoPipelining: false });
    this.redis.on('error', (err) => o.log.warn({ err: err.message }, 'redis error'));
    this.#sub.on('error', (err) => o.log.warn({ err: err.message }, 'redis subscriber error'));
    this.#sub.on('message', (channel: string, text: string) => this.#onMessage(channel, text));
    // ioredis resubscribes by itself after a lost link; what was published meanwhile is lost.
    this.#sub.on('ready', () => {
      if (!this.#started || this.#closed) return;
      this.#resync().catch((err: unknown) => o.log.warn({ err: String(err) }, 'resync failed'));
    });
  }

  /** This node's ID. */
  get nodeId(): string {
    return this.#o.nodeId;
  }

  /** Connects, announces the node and starts its heartbeat and the reapers. */
  async start(): Promise<void> {
    await this.#sub.subscribe(nodeChannel(this.nodeId));
    await this.#beat();
    const every = (ms: number, fn: () => Promise<void>): void => {
      let busy = false;
      const t = setInterval(() => {
        if (busy || this.#closed) return;
        busy = true;
        fn()
          .catch((err: unknown) => this.#o.log.warn({ err: String(err) }, 'cluster task failed'))
          .finally(() => {
            busy = false;
          });
      }, ms);
      t.unref();
      this.#timers.push(t);
    };
    every(this.#heartbeatMs, () => this.#beat());
    every(this.#heartbeatMs, () => this.#reapDeadNodes());
    every(Math.max(100, Math.min(1000, this.#o.resumeGraceMs / 4)), () => this.#expireOrphans());
    every(IDLE_REPLICA_MS, async () => this.#sweepReplicas());
    this.#started = true;
  }

  /**
   * Stops: the heartbeat key is removed at once, so the other nodes treat this node's sessions as a
   * dead node's (held for the grace window, taken over silently when their clients come back
   * elsewhere) without waiting for the key to expire; then the connections close.
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    await this.redis
      .multi()
      .del(nodeKey(this.nodeId))
      .exec()
      .catch(() => undefined);
    this.#sub.disconnect();
    await this.redis.quit().catch(() => undefined);
  }

  /** Kills the connections without a word (tests of a crash). */
  disconnectAbruptly(): void {
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    this.#sub.disconnect();
    this.redis.disconnect();
  }

  // ---- replicas ------------------------------------------------------------------------------

  /** Makes sure this node holds an up-to-date replica of the room (subscribed and loaded). */
  ensureRoom(appID: number, roomID: string): Promise<void> {
    const key = `${appID}\n${roomID}`;
    const have = this.#replicas.get(key);
    if (have) {
      have.touched = Date.now();
      return have.ready;
    }
    const rep: Replica = { appID, roomID, ready: Promise.resolve(), pending: [], touched: Date.now() };
    const k = roomKeys(appID, roomID);
    this.#replicas.set(key, rep);
    this.#byChannel.set(k.channel, rep);
    rep.ready = this.#load(rep).catch((e: unknown) => {
      this.#replicas.delete(key);
      this.#byChannel.delete(k.channel);
      void this.#sub.unsubscribe(k.channel).catch(() => undefined);
      this.#o.log.warn({ appID, roomID, err: String(e) }, 'room replica failed to load');
      throw new MiniRtcError(ErrorCode.INTERNAL_ERROR, 'room state unavailable, try again');
    });
    return rep.ready;
  }

  /**
   * Makes sure the replica has a stream's reservation as Redis holds it: a media hook can come in
   * (on another node) before the reservation's event did.
   */
  async refreshStream(appID: number, roomID: string, streamID: string): Promise<void> {
    await this.ensureRoom(appID, roomID);
    const { core } = this.#o;
    if (core.streams.get(appID, streamID)) return;
    const json = await this.redis.hget(roomKeys(appID, roomID).streams, streamID);
    const room = core.rooms.get(appID, roomID);
    if (!json || !room || core.streams.get(appID, streamID)) return;
    core.applyRemote(() => applyReservation(core, room, JSON.parse(json) as StreamReservation));
  }

  async #load(rep: Replica): Promise<void> {
    // Subscribe first: whatever changes after the snapshot below arrives as an event.
    await this.#sub.subscribe(roomKeys(rep.appID, rep.roomID).channel);
    const snap = await this.#snapshot(rep);
    this.#o.core.applyRemote(() => this.#applySnapshot(rep, snap, false));
    const pending = rep.pending ?? [];
    rep.pending = null;
    for (const ev of pending) this.#apply(rep, ev);
  }

  /** A room's shared state, read in one MULTI. */
  async #snapshot(rep: Replica): Promise<Snapshot> {
    const k = roomKeys(rep.appID, rep.roomID);
    const res = await this.redis
      .multi()
      .hgetall(k.meta)
      .hgetall(k.members)
      .hgetall(k.streams)
      .hgetall(k.extra)
      .exec();
    if (!res) throw new Error('snapshot aborted');
    for (const [err] of res) if (err) throw err;
    const [meta, members, streams, extra] = res.map((r) => (r[1] ?? {}) as Record<string, string>);
    return { meta: meta ?? {}, members: members ?? {}, streams: streams ?? {}, extra: extra ?? {} };
  }

  /**
   * Brings the replica to the snapshot. Adding is always safe (idempotent); with `reconcile` (after
   * a lost Redis link, when events may have been missed) remote members and streams the snapshot no
   * longer has are removed too. This node's own sessions are never touched: it is their authority.
   */
  #applySnapshot(rep: Replica, snap: Snapshot, reconcile: boolean): void {
    const { core } = this.#o;
    const entries = Object.entries(snap.members);
    let room = core.rooms.get(rep.appID, rep.roomID);
    if (reconcile && room) {
      for (const m of [...room.members.values()]) {
        if (!m.session.remote) continue;
        const e = snap.members[m.session.userID];
        if (!e || (JSON.parse(e) as MemberEntry).sid !== m.session.id) core.leave(m, 'resync');
      }
      for (const r of [...room.streams.values()]) {
        const owner = room.members.get(r.userID)?.session;
        if (owner && !owner.remote) continue;
        if (!snap.streams[r.streamID]) core.release(r, 'resync');
      }
      room = core.rooms.get(rep.appID, rep.roomID);
    }
    if (entries.length === 0) return;
    const max = Number(snap.meta.max);
    room ??= core.openRoom(rep.appID, rep.roomID, max > 0 ? max : Number.POSITIVE_INFINITY)[0];
    for (const [userID, json] of entries) {
      const e = JSON.parse(json) as MemberEntry;
      if (core.sessions.get(e.sid)) continue; // our own session: already here
      const cur = room.members.get(userID);
      if (cur && !cur.session.remote) continue; // ours is newer than what Redis holds
      applyMember(core, room, userID, e);
    }
    for (const json of Object.values(snap.streams)) {
      const r = JSON.parse(json) as StreamReservation;
      const owner = room.members.get(r.userID)?.session;
      if (owner && !owner.remote) continue;
      applyReservation(core, room, r);
    }
    for (const json of Object.values(snap.extra)) {
      const item = JSON.parse(json) as WireRoomExtraInfo;
      const cur = room.extraInfo.get(item.key);
      if (!cur || cur.updateTime < item.updateTime) core.putRoomExtraInfo(room, item);
    }
  }

  /**
   * After the Redis link came back: events sent meanwhile are lost, and writes of ours may have
   * failed. Each replica is brought to the shared state again, and this node's own members and
   * streams are written (and announced, idempotently) once more.
   */
  async #resync(): Promise<void> {
    const { core } = this.#o;
    for (const rep of [...this.#replicas.values()]) {
      if (rep.pending) continue;
      const snap = await this.#snapshot(rep);
      core.applyRemote(() => this.#applySnapshot(rep, snap, true));
      const room = core.rooms.get(rep.appID, rep.roomID);
      if (!room) continue;
      for (const m of room.members.values()) if (!m.session.remote) this.joined(room, m);
      for (const r of room.streams.values()) {
        const owner = room.members.get(r.userID)?.session;
        if (owner && !owner.remote) this.reserved(r);
      }
    }
    this.#o.log.info({ rooms: this.#replicas.size }, 'room replicas resynchronized with Redis');
    this.emit('resynced');
  }

  #onMessage(channel: string, text: string): void {
    if (channel === nodeChannel(this.nodeId)) {
      this.#onCommand(text);
      return;
    }
    const rep = this.#byChannel.get(channel);
    if (!rep) return;
    let ev: RoomEvent;
    try {
      ev = JSON.parse(text) as RoomEvent;
    } catch {
      return;
    }
    if (ev.o === this.nodeId) return;
    if (rep.pending) rep.pending.push(ev);
    else this.#apply(rep, ev);
  }

  #apply(rep: Replica, ev: RoomEvent): void {
    rep.touched = Date.now();
    try {
      this.#o.core.applyRemote(() => applyRoomEvent(this.#o.core, rep.appID, rep.roomID, ev));
    } catch (err) {
      this.#o.log.warn(
        { appID: rep.appID, roomID: rep.roomID, t: ev.t, err: String(err) },
        'event not applied',
      );
    }
  }

  /** Unsubscribes from rooms this node no longer holds anybody of (and has not touched lately). */
  #sweepReplicas(): void {
    const now = Date.now();
    for (const [key, rep] of this.#replicas) {
      if (rep.pending || now - rep.touched < IDLE_REPLICA_MS) continue;
      const room = this.#o.core.rooms.get(rep.appID, rep.roomID);
      if (room && [...room.members.values()].some((m) => !m.session.remote)) continue;
      if (room) {
        // Nobody of ours left: drop the replica without telling anyone (nothing changed).
        this.#o.core.applyRemote(() => {
          for (const m of [...room.members.values()]) this.#o.core.leave(m, 'replica dropped');
        });
      }
      const k = roomKeys(rep.appID, rep.roomID);
      this.#replicas.delete(key);
      this.#byChannel.delete(k.channel);
      void this.#sub.unsubscribe(k.channel).catch(() => undefined);
    }
  }

  // ---- requests that need the shared state first ----------------------------------------------

  /** {@link HandlerContext.prepare}: what `login` and `publish` need from Redis before they run. */
  prepare(msg: ClientMessage, caller: Caller): Promise<void> | null {
    if (msg.type === 'login') {
      const budget = this.#checkBudgets(caller.address ?? '', msg.appID);
      const login = (): Promise<void> =>
        this.#prepareLogin(msg.appID, msg.roomID, msg.user.userID, msg.token);
      return budget ? budget.then(login) : login();
    }
    if (msg.type === 'publish') {
      const m = caller.session?.rooms.get(msg.roomID);
      return m ? this.#claimStream(m.session.appID, msg.streamID, m.session.userID, msg.roomID) : null;
    }
    const limits = this.#o.core.config.roomLimits;
    if (msg.type === 'broadcast') {
      // Within the room's rate, and one messageID sequence per room whichever node the sender is on.
      return this.#sharedRate(caller, msg.roomID, ['b'], limits.broadcastPerSecond, 'broadcast', (id) => {
        caller.preparedBroadcastID = id;
      });
    }
    if (msg.type === 'barrage') {
      return this.#sharedRate(caller, msg.roomID, ['m'], limits.barragePerSecond, 'barrage');
    }
    if (msg.type === 'customCommand' && msg.toUserIDs.length > 0) {
      // Per receiving user, all or none (as on one node: a refused command reaches nobody).
      const which = [...new Set(msg.toUserIDs)].map((u) => `c:${u}`);
      return this.#sharedRate(caller, msg.roomID, which, limits.customCommandPerSecond, 'custom command');
    }
    return null;
  }

  /**
   * Failed logins counted cluster-wide per address and per app, in one-minute buckets (a sliding
   * estimate over the last minute): when the count reaches the burst, this node's budget is spent
   * too, and its own checks refuse as they do alone.
   */
  #checkBudgets(address: string, appID: number): Promise<void> | null {
    const guard = this.#o.loginGuard;
    if (!guard) return null;
    const minute = Math.floor(Date.now() / 60_000);
    const frac = (Date.now() % 60_000) / 60_000;
    const keys = [
      failKey('a', address, minute),
      failKey('a', address, minute - 1),
      failKey('p', String(appID), minute),
      failKey('p', String(appID), minute - 1),
    ];
    return this.redis.mget(...keys).then((v) => {
      const n = (i: number): number => Number(v[i] ?? 0);
      const byAddress = n(0) + n(1) * (1 - frac);
      const byApp = n(2) + n(3) * (1 - frac);
      guard.exhaust(
        byAddress >= guard.limits.burstPerAddress ? address : null,
        byApp >= guard.limits.burstPerApp ? appID : null,
      );
    });
  }

  /** Counts a failed login cluster-wide (see {@link #checkBudgets}). */
  loginFailed(address: string, appID: number): void {
    const minute = Math.floor(Date.now() / 60_000);
    const a = failKey('a', address, minute);
    const p = failKey('p', String(appID), minute);
    this.#send('budget', this.redis.multi().incr(a).pexpire(a, 120_000).incr(p).pexpire(p, 120_000).exec());
  }

  async #prepareLogin(appID: number, roomID: string, userID: string, token: string): Promise<void> {
    const app = this.#o.apps.get(appID);
    if (!app) return;
    try {
      // Nothing is fetched for a login that will be refused anyway (no work for anonymous peers).
      verifyToken04(token, { appID, userID, roomID, secret: app.serverSecret });
    } catch {
      return;
    }
    await this.ensureRoom(appID, roomID);
    const u = await this.redis.hgetall(userKey(appID, userID));
    if (!u.sid || !u.node || u.node === this.nodeId || u.att !== '1') return;
    if (!(await this.redis.exists(nodeKey(u.node)))) return;
    // The user is online on another node: as on one node, the older session is kicked (1002050).
    await this.#kickRemote(u.node, appID, userID, u.sid);
  }

  #kickRemote(node: string, appID: number, userID: string, sid: string): Promise<void> {
    this.#ridSeq += 1;
    const rid = `${this.nodeId}:${this.#ridSeq}`;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(rid);
        resolve();
      }, KICK_TIMEOUT_MS);
      timer.unref();
      this.#waiting.set(rid, () => {
        clearTimeout(timer);
        this.#waiting.delete(rid);
        resolve();
      });
      const cmd: NodeCommand = { t: 'kick', appID, userID, sid, reply: this.nodeId, rid };
      this.redis.publish(nodeChannel(node), JSON.stringify(cmd)).catch(() => undefined);
    });
  }

  #onCommand(text: string): void {
    let cmd: NodeCommand;
    try {
      cmd = JSON.parse(text) as NodeCommand;
    } catch {
      return;
    }
    if (cmd.t === 'done') {
      this.#waiting.get(cmd.rid)?.();
      return;
    }
    if (cmd.t === 'kickRoom') {
      const m = this.#o.core.rooms.get(cmd.appID, cmd.roomID)?.members.get(cmd.userID);
      if (m && m.session.id === cmd.sid && !m.session.remote) this.#o.core.kickFromRoom(m, cmd.code, cmd.why);
      return;
    }
    if (cmd.t === 'kick') {
      const s = this.#o.core.sessions.get(cmd.sid);
      if (s && s.appID === cmd.appID && s.userID === cmd.userID && s.id === cmd.sid) {
        this.#o.core.kickSession(s, ErrorCode.KICKED_SAME_USER);
      }
      // After the kick's own writes on the same connection, so the asker sees them first.
      const done: NodeCommand = { t: 'done', rid: cmd.rid };
      this.redis.publish(nodeChannel(cmd.reply), JSON.stringify(done)).catch(() => undefined);
    }
  }

  /**
   * A room's message rate across nodes: a counter per one-second window in Redis (each node also
   * keeps its own token bucket, so a burst on one node is held as on a node alone).
   */
  /**
   * A room's message rates across nodes: counters per one-second window in Redis, beside each node's
   * own token bucket (so a burst on one node is held as on a node alone). `counted` also draws the
   * room's next broadcast messageID in the same script. Null when the caller is not in the room (its
   * handler refuses it).
   */
  #sharedRate(
    caller: Caller,
    roomID: string,
    which: string[],
    perSecond: number,
    what: string,
    counted?: (messageID: number) => void,
  ): Promise<void> | null {
    const m = caller.session?.rooms.get(roomID);
    if (!m) return null;
    const k = roomKeys(m.room.appID, m.room.roomID);
    const second = Math.floor(Date.now() / 1000);
    const windows = which.map((w) => `${k.meta}:rate:${w}:${second}`);
    const keys = counted ? [...windows, k.meta] : windows;
    const run = this.redis.eval(RATE_SCRIPT, keys.length, ...keys, String(perSecond), String(windows.length));
    return (run as Promise<number>).then((r) => {
      if (r < 0) throw new MiniRtcError(ErrorCode.RATE_LIMITED, `${what} rate limit`);
      counted?.(r);
    });
  }

  async #claimStream(appID: number, streamID: string, userID: string, roomID: string): Promise<void> {
    const r = (await this.redis.eval(
      CLAIM_SCRIPT,
      1,
      streamKey(appID, streamID),
      JSON.stringify({ roomID, userID }),
      userID,
      roomID,
      String(CLAIM_MS),
    )) as number;
    if (r === 0) throw new MiniRtcError(ErrorCode.STREAM_ID_TAKEN);
    if (r === 2)
      throw new MiniRtcError(ErrorCode.STREAM_ID_TAKEN, 'you publish this streamID in another room');
  }

  // ---- node life --------------------------------------------------------------------------------

  async #beat(): Promise<void> {
    const res = await this.redis
      .multi()
      .set(nodeKey(this.nodeId), JSON.stringify({ at: Date.now() }), 'PX', this.#heartbeatMs * 3)
      .zadd(NODES, 'NX', Date.now(), this.nodeId)
      .getdel(reapKey(this.nodeId))
      .exec();
    // Declared dead meanwhile (a stall longer than the heartbeat, a partition): others may have
    // ended our memberships. Write ours back and announce them again.
    if (this.#started && res?.[2]?.[1]) {
      this.#o.log.warn({}, 'this node was declared dead by the cluster: re-announcing its state');
      await this.#resync();
    }
  }

  /** Finds nodes whose heartbeat expired; one survivor (a lock) orphans their memberships. */
  async #reapDeadNodes(): Promise<void> {
    const ids = await this.redis.zrange(NODES, '0', '-1');
    for (const id of ids) {
      if (id === this.nodeId) continue;
      if (await this.redis.exists(nodeKey(id))) continue;
      const won = await this.redis.set(reapKey(id), this.nodeId, 'PX', 60_000, 'NX');
      if (won !== 'OK') continue;
      const tags = await this.redis.smembers(nodeMembersKey(id));
      const deadline = Date.now() + this.#o.resumeGraceMs;
      const tx = this.redis.multi();
      for (const tag of tags) tx.zadd(ORPHANS, deadline, tag);
      tx.zrem(NODES, id).del(nodeMembersKey(id));
      await tx.exec();
      this.#o.log.warn(
        { node: id, memberships: tags.length },
        'signaling node lost: its sessions are in grace',
      );
    }
  }

  /** Ends orphaned memberships whose grace window is over (each taken by exactly one node). */
  async #expireOrphans(): Promise<void> {
    const due = await this.redis.zrangebyscore(ORPHANS, 0, Date.now(), 'LIMIT', 0, 100);
    for (const tag of due) {
      if ((await this.redis.zrem(ORPHANS, tag)) !== 1) continue;
      const t = parseMemberTag(tag);
      if (!t) continue;
      await this.ensureRoom(t.appID, t.roomID);
      const { core } = this.#o;
      const m = core.rooms.get(t.appID, t.roomID)?.members.get(t.userID);
      if (m?.session.remote && m.session.id === t.sessionID) {
        this.#o.log.info({ appID: t.appID, roomID: t.roomID, userID: t.userID }, 'orphaned session over');
        // Our transition now: replicated, and the webhooks/timeline see the logout once, from here.
        core.leave(m, 'grace');
      }
      await this.redis.eval(USER_END_SCRIPT, 1, userKey(t.appID, t.userID), t.sessionID);
    }
  }

  // ---- Replicator: this node's transitions into Redis and to the other nodes ----------------------

  #nodeOf(s: Session): string {
    return s.remote ? (s as RemoteSession).node : this.nodeId;
  }

  #entry(m: Membership): MemberEntry {
    return { n: m.session.userName, sid: m.session.id, node: this.#nodeOf(m.session), uu: m.userUpdate };
  }

  #send(what: string, run: Promise<unknown>): void {
    run.catch((err: unknown) => {
      if (!this.#closed) this.#o.log.warn({ what, err: String(err) }, 'cluster write failed');
    });
  }

  #ev(e: Record<string, unknown>): string {
    return JSON.stringify({ ...e, o: this.nodeId });
  }

  joined(room: Room, m: Membership): void {
    const k = roomKeys(room.appID, room.roomID);
    const e = this.#entry(m);
    const max = Number.isFinite(room.maxMembers) ? room.maxMembers : 0;
    const tag = memberTag(room.appID, room.roomID, m.session.userID, e.sid);
    this.#touch(room);
    this.#send(
      'join',
      this.redis
        .multi()
        .hset(k.members, m.session.userID, JSON.stringify(e))
        .hsetnx(k.meta, 'max', String(max))
        .hsetnx(k.meta, 'createdAt', String(room.createdAt))
        .sadd(nodeMembersKey(e.node), tag)
        .publish(k.channel, this.#ev({ t: 'join', uid: m.session.userID, max, ...e }))
        .exec(),
    );
  }

  left(room: Room, m: Membership, reason: string): void {
    const k = roomKeys(room.appID, room.roomID);
    const node = this.#nodeOf(m.session);
    const tag = memberTag(room.appID, room.roomID, m.session.userID, m.session.id);
    const ev = this.#ev({ t: 'leave', uid: m.session.userID, sid: m.session.id, why: reason });
    const { appID, roomID } = room;
    this.#send(
      'leave',
      (
        this.redis.eval(
          LEAVE_SCRIPT,
          6,
          k.members,
          k.meta,
          k.streams,
          k.extra,
          nodeMembersKey(node),
          k.channel,
          m.session.userID,
          m.session.id,
          tag,
          ev,
        ) as Promise<number>
      ).then((closed) => {
        // Exactly one leave deletes the room's meta key: that node reports the room closed.
        if (closed === 1) this.#o.emit('roomClosed', { appID, roomID });
      }),
    );
  }

  moved(room: Room, m: Membership, from: Session): void {
    const k = roomKeys(room.appID, room.roomID);
    const e = this.#entry(m);
    const uid = m.session.userID;
    const oldTag = memberTag(room.appID, room.roomID, uid, from.id);
    this.#touch(room);
    this.#send(
      'moved',
      this.redis
        .multi()
        .hset(k.members, uid, JSON.stringify(e))
        .srem(nodeMembersKey(this.#nodeOf(from)), oldTag)
        .zrem(ORPHANS, oldTag)
        .sadd(nodeMembersKey(e.node), memberTag(room.appID, room.roomID, uid, e.sid))
        .publish(k.channel, this.#ev({ t: 'moved', uid, from: from.id, ...e }))
        .exec(),
    );
  }

  reserved(r: StreamReservation): void {
    const k = roomKeys(r.appID, r.roomID);
    this.#send(
      'reserve',
      this.redis
        .multi()
        .hset(k.streams, r.streamID, JSON.stringify(r))
        .set(streamKey(r.appID, r.streamID), JSON.stringify({ roomID: r.roomID, userID: r.userID }))
        .publish(k.channel, this.#ev({ t: 'reserve', r }))
        .exec(),
    );
  }

  released(r: StreamReservation, reason: string): void {
    const k = roomKeys(r.appID, r.roomID);
    this.#send(
      'release',
      this.redis
        .multi()
        .hdel(k.streams, r.streamID)
        .del(streamKey(r.appID, r.streamID))
        .publish(k.channel, this.#ev({ t: 'release', s: r.streamID, why: reason }))
        .exec(),
    );
  }

  streamState(r: StreamReservation, live: boolean, reason: string): void {
    const k = roomKeys(r.appID, r.roomID);
    this.#send(
      'state',
      this.redis
        .multi()
        .hset(k.streams, r.streamID, JSON.stringify({ ...r, live }))
        .publish(k.channel, this.#ev({ t: 'state', s: r.streamID, live, why: reason }))
        .exec(),
    );
  }

  streamExtra(r: StreamReservation): void {
    const k = roomKeys(r.appID, r.roomID);
    this.#send(
      'sextra',
      this.redis
        .multi()
        .hset(k.streams, r.streamID, JSON.stringify(r))
        .publish(k.channel, this.#ev({ t: 'sextra', s: r.streamID, x: r.extraInfo }))
        .exec(),
    );
  }

  roomExtra(room: Room, item: WireRoomExtraInfo): void {
    const k = roomKeys(room.appID, room.roomID);
    this.#send(
      'rextra',
      this.redis
        .multi()
        .hset(k.extra, item.key, JSON.stringify(item))
        .publish(k.channel, this.#ev({ t: 'rextra', item }))
        .exec(),
    );
  }

  message(room: Room, body: PushBody, exceptUserID: string, to: string[] | null): void {
    const k = roomKeys(room.appID, room.roomID);
    this.#send('msg', this.redis.publish(k.channel, this.#ev({ t: 'msg', ex: exceptUserID, to, body })));
  }

  sessionState(s: Session, state: 'attached' | 'detached' | 'ended'): void {
    const key = userKey(s.appID, s.userID);
    if (state === 'attached') {
      this.#send('user', this.redis.hset(key, { sid: s.id, node: this.nodeId, att: '1' }));
    } else if (state === 'detached') {
      this.#send('user', this.redis.eval(USER_DETACH_SCRIPT, 1, key, s.id));
    } else {
      this.#send('user', this.redis.eval(USER_END_SCRIPT, 1, key, s.id));
    }
  }

  kickRemote(m: Membership, code: number, reason: string): void {
    const s = m.session as RemoteSession;
    const cmd: NodeCommand = {
      t: 'kickRoom',
      appID: m.room.appID,
      roomID: m.room.roomID,
      userID: s.userID,
      sid: s.id,
      code,
      why: reason,
    };
    this.#send('kickRoom', this.redis.publish(nodeChannel(s.node), JSON.stringify(cmd)));
  }

  /** {@link ApiDeps.prepare}: the room a request names, or the room of the stream it names. */
  async prepareApi(appID: number, t: { roomID?: string | null; streamID?: string | null }): Promise<void> {
    let roomID = t.roomID ?? null;
    if (!roomID && t.streamID) {
      const owner = await this.redis.get(streamKey(appID, t.streamID));
      if (owner) roomID = (JSON.parse(owner) as { roomID: string }).roomID;
    }
    if (roomID) await this.ensureRoom(appID, roomID);
  }

  /** Every room of an app, from the shared state (SCAN: an operator's listing, not a hot path). */
  async listRooms(
    appID: number,
  ): Promise<{ roomID: string; users: number; streams: number; createdAt: number }[]> {
    const prefix = roomKeys(appID, '').members.replace(/}:members$/, '');
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${prefix}*}:members`, 'COUNT', 500);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0' && found.length < 10_000);
    const out = [];
    for (const key of found) {
      const roomID = key.slice(prefix.length, -'}:members'.length);
      const k = roomKeys(appID, roomID);
      const [users, streams, createdAt] = await Promise.all([
        this.redis.hlen(k.members),
        this.redis.hvals(k.streams),
        this.redis.hget(k.meta, 'createdAt'),
      ]);
      if (users === 0) continue;
      const live = streams.filter((j) => (JSON.parse(j) as StreamReservation).live).length;
      out.push({ roomID, users, streams: live, createdAt: Number(createdAt ?? 0) });
    }
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }

  /** A room this node changed is one it replicates: make sure it is subscribed. */
  #touch(room: Room): void {
    void this.ensureRoom(room.appID, room.roomID).catch(() => undefined);
  }
}

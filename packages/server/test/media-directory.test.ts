/**
 * The media-node registry on a real redis-server: heartbeats and stream reports reach the signaling
 * views (two of them, as two signaling nodes), placement reads them, and a node whose heartbeat stops
 * has its streams ended once, by one view, after the grace, except a stream republished elsewhere.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestRedis, startRedis } from '@minirtc/testkit';
import type { Redis, RedisOptions } from 'ioredis';
import { ErrorCode, isMiniRtcError } from '@minirtc/protocol';
import { MediaDirectory } from '../src/cluster/media-directory.js';
import { MediaNodeHeartbeat } from '../src/cluster/media-heartbeat.js';
import { mediaKeys } from '../src/cluster/media-keys.js';
import { connectRedis } from '../src/cluster/redis-connect.js';
import { silentLogger } from '../src/logger.js';

const HEARTBEAT_MS = 200;
const GRACE_MS = 400;
let redis: TestRedis;
const conns: Redis[] = [];
const dirs: MediaDirectory[] = [];
/** Streams the views ended, as `<view>:<appID>:<streamID>`. */
const ended: string[] = [];
let s1: MediaDirectory;
let s2: MediaDirectory;

function conn(name: string, extra: RedisOptions = {}): Redis {
  const c = connectRedis(redis.url, name, extra);
  conns.push(c);
  return c;
}

function node(
  id: string,
  c: Redis = conn(id),
  more: Partial<ConstructorParameters<typeof MediaNodeHeartbeat>[1]> = {},
): MediaNodeHeartbeat {
  return new MediaNodeHeartbeat(c, {
    id,
    rtmpBase: `rtmp://${id}:1935/live`,
    flvBase: `http://${id}:8081/live`,
    heartbeatMs: HEARTBEAT_MS,
    takeoverGraceMs: GRACE_MS,
    load: () => ({ streams: 0, players: 0 }),
    held: () => [],
    log: silentLogger,
    ...more,
  });
}

/** A signaling node's view, ending streams into `ended`. */
async function view(id: string): Promise<MediaDirectory> {
  const d = new MediaDirectory(conn(id), conn(`${id}-sub`, { enableAutoPipelining: false }), {
    nodeId: id,
    heartbeatMs: HEARTBEAT_MS,
    takeoverGraceMs: GRACE_MS,
    log: silentLogger,
  });
  d.attach({ streamGone: (appID, streamID) => ended.push(`${id}:${appID}:${streamID}`) });
  await d.start();
  dirs.push(d);
  return d;
}

/** Resolves when `pred` holds, re-checked on every change of `d`; bounded. */
function until(d: MediaDirectory, pred: () => boolean, what: string): Promise<void> {
  if (pred()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      d.off('change', check);
      reject(new Error(`timed out: ${what}`));
    }, 10_000);
    const check = (): void => {
      if (!pred()) return;
      clearTimeout(t);
      d.off('change', check);
      resolve();
    };
    d.on('change', check);
  });
}

describe('media registry on redis', { timeout: 60_000 }, () => {
  before(async () => {
    redis = await startRedis();
    s1 = await view('sig-1');
    s2 = await view('sig-2');
  });
  after(async () => {
    for (const d of dirs) await d.close();
    for (const c of conns) c.disconnect();
    await redis?.stop(true);
  });

  it('places, locates, reaps a dead node once across two signaling views', async () => {
    assert.equal(s1.placePush(7, 'r', 'x'), undefined, 'no node registered: the default bases');

    const n1conn = conn('n1');
    const n1 = node('n1', n1conn);
    const n2 = node('n2');
    await n1.start();
    await n2.start();
    await until(s1, () => s1.nodes().length === 2, 'sig-1 sees both nodes');
    await n1.streamLive(7, 'a', 'room1');
    await n1.streamLive(7, 'b', 'room1');
    await until(s2, () => s2.nodeOf(7, 'b') === 'n1', 'sig-2 learns where b is');
    assert.deepEqual(s2.locate(7, 'a'), { rtmp: 'rtmp://n1:1935/live', flv: 'http://n1:8081/live' });
    // room1 is on n1: its next stream follows; another room's goes to n2 (no load reported, tie → n2
    // has no room stream and n1 has a pending placement).
    assert.equal(s1.placePush(7, 'room1', 'c')?.rtmp, 'rtmp://n1:1935/live');
    assert.equal(s1.placePush(7, 'room2', 'd')?.rtmp, 'rtmp://n2:1935/live');
    await until(s2, () => s2.nodeOf(7, 'd') === 'n2', 'sig-2 hears of the placement');
    assert.equal(await conns[0]?.get(mediaKeys.stream(7, 'd')), 'n2');

    // b is republished on n2 while n1 dies (its connection to Redis is cut: no more heartbeats).
    n1conn.disconnect();
    await n2.streamLive(7, 'b', 'room1');
    const reaped = new Promise<string>((resolve) => {
      for (const d of [s1, s2]) d.once('reaped', (id, n) => resolve(`${id}:${n}`));
    });
    const cut = Date.now();
    await until(s1, () => s1.nodes().some((n) => n.id === 'n1' && n.gone), 'n1 presumed dead');
    // Dead nodes take no placement, even for the room they held.
    assert.equal(s1.placePush(7, 'room1', 'e')?.rtmp, 'rtmp://n2:1935/live');
    assert.equal(await reaped, 'n1:1');
    assert.ok(Date.now() - cut >= GRACE_MS, 'not before the grace');
    await until(s1, () => !s1.nodes().some((n) => n.id === 'n1'), 'n1 gone from sig-1');
    await until(s2, () => !s2.nodes().some((n) => n.id === 'n1'), 'n1 gone from sig-2');
    assert.equal(ended.length, 1, `ended once, by one view: ${ended}`);
    assert.match(ended[0] as string, /^sig-[12]:7:a$/);
    assert.equal(s1.nodeOf(7, 'b'), 'n2', 'the republished stream stays');

    // The last node drains: nodes are registered but none takes a stream.
    await n2.drain();
    await until(s1, () => s1.nodes().every((n) => n.draining), 'n2 draining');
    assert.throws(
      () => s1.placePush(7, 'room3', 'f'),
      (e: unknown) => isMiniRtcError(e) && e.code === ErrorCode.MEDIA_NODE_UNAVAILABLE,
    );
    assert.equal(s1.placePush(7, 'room1', 'b')?.rtmp, 'rtmp://n2:1935/live', 'a live stream stays put');
    await n2.close();
    await until(s1, () => s1.nodes().length === 0, 'n2 left');
  });

  it('a node restarted under the same id hands its last run’s streams to the reaper', async () => {
    ended.length = 0;
    const firstConn = conn('n3-first');
    const first = node('n3', firstConn);
    await first.start();
    await first.streamLive(8, 'old', 'room8');
    await first.streamLive(8, 'back', 'room8');
    await until(s1, () => s1.nodeOf(8, 'old') === 'n3', 'sig-1 sees n3’s streams');
    firstConn.disconnect(); // crash; the process comes back at once with the same nodeId
    const again = node('n3');
    await again.start();
    await again.streamLive(8, 'back', 'room8'); // its publisher came back to it
    const reaped = new Promise<string>((resolve) => {
      for (const d of [s1, s2]) d.once('reaped', (id) => resolve(id));
    });
    assert.match(await reaped, /^n3~\d+$/);
    await until(s1, () => s1.nodes().every((n) => !n.id.startsWith('n3~')), 'the ghost is gone');
    assert.deepEqual(
      ended.map((e) => e.replace(/^sig-\d:/, '')),
      ['8:old'],
      'only the stream that did not come back',
    );
    assert.equal(s1.nodeOf(8, 'back'), 'n3');
    assert.equal(s1.nodes().find((n) => n.id === 'n3')?.gone, false, 'the new run is alive');
    await again.close();
  });

  it('a node cut off from Redis past the grace ends its own streams, then re-lists what it holds', async () => {
    ended.length = 0;
    const c = conn('n4');
    const held = [{ appID: 9, streamID: 'kept', roomID: 'room9' }];
    let fenced!: () => void;
    const wasFenced = new Promise<void>((resolve) => {
      fenced = resolve;
    });
    const n4 = node('n4', c, { held: () => held, onFenced: () => fenced() });
    await n4.start();
    await n4.streamLive(9, 'kept', 'room9');
    await n4.streamLive(9, 'lost', 'room9');
    await until(s1, () => s1.nodeOf(9, 'lost') === 'n4', 'sig-1 sees n4’s streams');
    const reaped = new Promise<string>((resolve) => {
      for (const d of [s1, s2]) d.once('reaped', (id) => resolve(id));
    });
    c.disconnect(); // Redis out of reach: beats fail, the media keeps flowing
    assert.equal(await reaped, 'n4');
    assert.deepEqual(ended.map((e) => e.replace(/^sig-\d:/, '')).sort(), ['9:kept', '9:lost']);
    await c.connect();
    await wasFenced; // the first beat that gets through finds it was gone too long
    await until(s1, () => s1.nodes().some((n) => n.id === 'n4' && !n.gone), 'n4 back');
    // Its list is rewritten from what it holds now (its publishers would have come back to it).
    assert.deepEqual(await c.hgetall(mediaKeys.nodeStreams('n4')), { '9:kept': 'room9' });
    await n4.close();
  });
});

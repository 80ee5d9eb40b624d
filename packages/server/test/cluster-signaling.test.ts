/**
 * Two signaling nodes sharing one real redis-server, in one process: users on different nodes share
 * rooms, messages of every kind cross, streams are unique per app across nodes, a user logging in on
 * the other node kicks its older session, and a node that goes away leaves its users in their rooms
 * for the grace window so their clients take their places over elsewhere without anyone seeing it.
 * (Process crashes, kill -9, are in packages/cli/test/cluster.e2e.test.ts.)
 */
import assert from 'node:assert/strict';
import { type EventEmitter, once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@minirtc/protocol';
import { type TestRedis, startRedis, until } from '@minirtc/testkit';
import type { MiniRtcServer } from '../src/server.js';
import { APP_ID, Client, OTHER_APP_ID, loginClient, startServer, token } from './helpers.js';
import { signed } from './ops-helpers.js';

const GRACE_MS = 2000;

const membersOf = (roomID: string): string => `minirtc:sig:room:{${APP_ID}:${roomID}}:members`;

describe('signaling cluster on Redis (two nodes, one process)', { timeout: 60_000 }, () => {
  let redis: TestRedis;
  let n1: MiniRtcServer;
  let n2: MiniRtcServer;
  const clients: Client[] = [];

  const node = (id: string) =>
    startServer({
      cluster: { redisUrl: redis.url, nodeId: id, heartbeatMs: 200 },
      resumeGraceMs: GRACE_MS,
      onlineCountIntervalMs: 0,
      // Small, so the shared budget test below spends it quickly (only failures count).
      security: { loginFailureBurstPerApp: 3 },
      limits: { broadcastPerSecond: 4, customCommandPerSecond: 4 },
    });

  before(async () => {
    redis = await startRedis();
    n1 = await node('n1');
    n2 = await node('n2');
  });
  after(async () => {
    for (const c of clients) c.close();
    await n2.close();
    await n1.close().catch(() => undefined);
    await redis.stop();
  });

  async function on(server: MiniRtcServer, userID: string, roomID: string) {
    const r = await loginClient(server, userID, roomID);
    clients.push(r.c);
    return r;
  }

  it('users on two nodes see each other in the snapshot and as ADD; every message kind crosses', async () => {
    const { c: a } = await on(n1, 'a1', 'r1');
    const { c: b, data } = await on(n2, 'b1', 'r1');
    assert.deepEqual(
      data.room.users.map((u: { userID: string }) => u.userID),
      ['a1'],
      'B sees A in its login snapshot',
    );
    const add = await a.push('userUpdate', (m) => m.updateType === 'ADD');
    assert.equal(add.users[0].userID, 'b1');

    const sent = await b.req('broadcast', { roomID: 'r1', message: 'hi from n2' });
    assert.equal(sent.code, 0);
    const bc = await a.push('broadcast');
    assert.equal(bc.messages[0].message, 'hi from n2');
    // One messageID sequence per room across nodes.
    const next = await a.req('broadcast', { roomID: 'r1', message: 'hi from n1' });
    assert.equal(next.data.messageID, sent.data.messageID + 1);
    assert.equal((await b.push('broadcast')).messages[0].messageID, next.data.messageID);
    assert.equal((await a.req('barrage', { roomID: 'r1', message: 'barrage n1' })).code, 0);
    assert.equal((await b.push('barrage')).messages[0].message, 'barrage n1');
    assert.equal((await a.req('customCommand', { roomID: 'r1', toUserIDs: ['b1'], command: 'cmd' })).code, 0);
    assert.equal((await b.push('customCommand')).command, 'cmd');
    assert.equal((await b.req('setRoomExtraInfo', { roomID: 'r1', key: 'k', value: 'v2' })).code, 0);
    assert.equal((await a.push('roomExtraInfo')).items[0].value, 'v2');

    // A stream reserved on n2 and reported live on n1 (where a media hook could land) reaches A.
    // (an external media server's hook, sent to n1 right away: before n1 may have heard of it).
    const pub = await b.req('publish', { roomID: 'r1', streamID: 's-b1' });
    const hook = await fetch(`${n1.httpUrl}/hooks/srs`, {
      method: 'POST',
      body: JSON.stringify({
        action: 'on_publish',
        app: 'live',
        stream: 's-b1',
        param: new URL(pub.data.url).search,
      }),
    });
    assert.equal(hook.status, 200);
    const sAdd = await a.push('streamUpdate', (m) => m.updateType === 'ADD');
    assert.equal(sAdd.streams[0].streamID, 's-b1');
    assert.equal((await b.push('mediaUpdate')).state, 'live', 'the publisher on n2 hears its stream is live');
    assert.equal(
      (await b.req('setStreamExtraInfo', { roomID: 'r1', streamID: 's-b1', extraInfo: 'x' })).code,
      0,
    );
    assert.equal((await a.push('streamExtraInfo')).streams[0].extraInfo, 'x');

    // streamIDs are unique per app across nodes and rooms.
    const { c: c1 } = await on(n1, 'c1', 'r-other');
    const taken = await c1.req('publish', { roomID: 'r-other', streamID: 's-b1' });
    assert.equal(taken.code, ErrorCode.STREAM_ID_TAKEN);

    assert.equal((await b.req('logout', { roomID: 'r1' })).code, 0);
    const sDel = await a.push('streamUpdate', (m) => m.updateType === 'DELETE');
    assert.equal(sDel.streams[0].streamID, 's-b1');
    const del = await a.push('userUpdate', (m) => m.updateType === 'DELETE');
    assert.equal(del.users[0].userID, 'b1');
  });

  it('failed-login budgets are shared: failures on one node count on the other', async () => {
    const fail = async (server: MiniRtcServer) => {
      const c = await Client.open(server.wsUrl);
      clients.push(c);
      return c.req('login', {
        appID: OTHER_APP_ID,
        roomID: 'r-budget',
        token: token('mallory', { roomID: 'r-budget' }), // made with the other app's secret
        user: { userID: 'mallory', userName: 'm' },
      });
    };
    for (let i = 0; i < 3; i++) assert.equal((await fail(n1)).code, ErrorCode.TOKEN_MALFORMED);
    // n2 has seen no failure itself: its own budget alone would allow 3 more.
    assert.equal((await fail(n2)).code, ErrorCode.RATE_LIMITED);
  });

  it("a room's broadcast rate is one budget across nodes", async () => {
    const { c: x } = await on(n1, 'x8', 'r8');
    const { c: y } = await on(n2, 'y8', 'r8');
    await x.push('userUpdate', (m) => m.updateType === 'ADD' && m.users[0].userID === 'y8');
    // Start right after a second boundary, so every request falls in one one-second window.
    const start = Math.ceil(Date.now() / 1000) * 1000 + 20;
    await new Promise((r) => setTimeout(r, start - Date.now()));
    const sends = [x, y, x, y, x, y, x, y, x, y].map((c) =>
      c.req('broadcast', { roomID: 'r8', message: 'm' }),
    );
    const codes = (await Promise.all(sends)).map((r) => r.code);
    const accepted = codes.filter((c) => c === 0).length;
    // Each node alone would take its own 4: 8 in all. Shared: 4 in one window (a machine so slow that
    // the requests straddled two windows may accept up to 4 in each).
    if (Date.now() - start < 900) assert.equal(accepted, 4, codes.join(','));
    else assert.ok(accepted <= 8, codes.join(','));
    assert.ok(codes.every((c) => c === 0 || c === ErrorCode.RATE_LIMITED));

    // Custom commands: one budget per receiving user, whichever node the senders are on.
    const { c: z } = await on(n2, 'z8', 'r8');
    await x.push('userUpdate', (m) => m.updateType === 'ADD' && m.users[0].userID === 'z8');
    const start2 = Math.ceil(Date.now() / 1000) * 1000 + 20;
    await new Promise((r) => setTimeout(r, start2 - Date.now()));
    const cmds = [x, z, x, z, x, z, x, z, x, z].map((c) =>
      c.req('customCommand', { roomID: 'r8', toUserIDs: ['y8'], command: 'c' }),
    );
    const got = (await Promise.all(cmds)).filter((r) => r.code === 0).length;
    if (Date.now() - start2 < 900) assert.equal(got, 4);
    else assert.ok(got <= 8);
  });

  it('a user logging in on the other node kicks its older session there (1002050)', async () => {
    const { c: old } = await on(n1, 'dup', 'r2');
    const { c: watcher } = await on(n1, 'w2', 'r2');
    const { c: fresh } = await on(n2, 'dup', 'r2');
    const kick = await old.push('kickout');
    assert.equal(kick.code, ErrorCode.KICKED_SAME_USER);
    await old.closed;
    assert.ok(fresh);
    // The watcher saw the old session go and the new one come.
    await watcher.push('userUpdate', (m) => m.updateType === 'DELETE' && m.users[0].userID === 'dup');
    await watcher.push('userUpdate', (m) => m.updateType === 'ADD' && m.users[0].userID === 'dup');
  });

  it('a client whose node goes away logs in on the other node within grace: the others see nothing', async () => {
    const n3 = await node('n3');
    const { c: mover } = await on(n3, 'mv', 'r3');
    const { c: stay } = await on(n2, 'st', 'r3');
    assert.equal((await mover.req('publish', { roomID: 'r3', streamID: 's-mv' })).code, 0);
    n3.media.streamLive(APP_ID, 's-mv');
    await stay.push('streamUpdate', (m) => m.updateType === 'ADD');
    await n3.close();
    await mover.closed;
    // The client comes back on n2 (as the SDK does when its resume is refused): silent takeover.
    const again = await Client.open(n2.wsUrl);
    clients.push(again);
    const res = await again.req('login', {
      appID: APP_ID,
      roomID: 'r3',
      token: token('mv', { roomID: 'r3' }),
      user: { userID: 'mv', userName: 'name-mv' },
      config: { userUpdate: true },
    });
    assert.equal(res.code, 0);
    // A marker after the takeover: everything the watcher got before it must be free of flaps.
    assert.equal((await again.req('broadcast', { roomID: 'r3', message: 'marker' })).code, 0);
    await stay.push('broadcast', (m) => m.messages[0].message === 'marker');
    // Neither a DELETE nor a second ADD: the user never left.
    const flaps = stay.inbox.filter((m) => m.type === 'userUpdate' || m.type === 'streamUpdate');
    assert.deepEqual(flaps, []);
    // The stream is still in the room, owned by the new session (it can renew its reservation).
    assert.equal((await again.req('publish', { roomID: 'r3', streamID: 's-mv' })).code, 0);
    // The dead node was reaped and nothing of it is left to expire: no DELETE will ever come.
    const r = n2.cluster?.redis;
    assert.ok(r);
    await until(async () => (await r.exists('minirtc:sig:reap:n3')) === 1);
    await until(async () => (await r.zcard('minirtc:sig:orphans')) === 0);
    await until(async () => JSON.parse((await r.hget(membersOf('r3'), 'mv')) ?? '{}').node === 'n2');
  });

  it('the last two members leaving on two nodes at once: the room is reported closed exactly once', async () => {
    const closed: string[] = [];
    const count = (name: string) => (e: { roomID: string }) => {
      if (e.roomID === 'r5') closed.push(name);
    };
    n1.on('roomClosed', count('n1'));
    n2.on('roomClosed', count('n2'));
    const { c: x } = await on(n1, 'x5', 'r5');
    const { c: y } = await on(n2, 'y5', 'r5');
    await x.push('userUpdate', (m) => m.updateType === 'ADD' && m.users[0].userID === 'y5');
    const both = await Promise.all([x.req('logout', { roomID: 'r5' }), y.req('logout', { roomID: 'r5' })]);
    assert.deepEqual(
      both.map((r) => r.code),
      [0, 0],
    );
    await until(async () => closed.length > 0);
    // Both leaves are in Redis by now (the close was decided there); a second report would be too.
    const r = n1.cluster?.redis;
    assert.ok(r);
    await until(async () => (await r.exists(membersOf('r5'))) === 0);
    // A reply comes after every earlier one on its connection: both leaves' results are in.
    await Promise.all([n1.cluster?.redis.ping(), n2.cluster?.redis.ping()]);
    assert.equal(closed.length, 1, `closed by ${closed.join(', ')}`);
  });

  it('after its Redis link drops, a node catches up on what it missed (resync from the shared state)', async () => {
    const { c: p } = await on(n1, 'p6', 'r6');
    const { c: q } = await on(n2, 'q6', 'r6');
    await p.push('userUpdate', (m) => m.updateType === 'ADD' && m.users[0].userID === 'q6');
    const r = n2.cluster?.redis;
    assert.ok(r);
    // Cut n1's subscriber and change the room at once: the event is published while n1 hears nothing.
    const back = Promise.all([
      once(n1.cluster as EventEmitter, 'resynced'),
      once(n2.cluster as EventEmitter, 'resynced'),
    ]);
    const killed = r.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    const out = q.req('logout', { roomID: 'r6' });
    await Promise.all([killed, out]);
    const del = await p.push('userUpdate', (m) => m.updateType === 'DELETE' && m.users[0].userID === 'q6');
    assert.equal(del.users[0].userID, 'q6');
    // n2's subscriber was cut as well: once both are back, the room works both ways.
    await back;
    const { c: q2 } = await on(n2, 'q6b', 'r6');
    await p.push('userUpdate', (m) => m.updateType === 'ADD' && m.users[0].userID === 'q6b');
    assert.equal((await p.req('broadcast', { roomID: 'r6', message: 'after resync' })).code, 0);
    assert.equal((await q2.push('broadcast')).messages[0].message, 'after resync');
  });

  it('the REST API on any node: rooms listed cluster-wide, a kick reaches the node holding the user', async () => {
    const { c: k } = await on(n2, 'k7', 'r7');
    const { c: w } = await on(n1, 'w7', 'r7');
    await k.push('userUpdate', (m) => m.updateType === 'ADD' && m.users[0].userID === 'w7');
    const list = await signed(n1, 'GET', `/apps/${APP_ID}/rooms`);
    const r7 = (list.body.rooms as { roomID: string; users: number }[]).find((r) => r.roomID === 'r7');
    assert.equal(r7?.users, 2);
    // n3 holds no replica of r7: it fetches the room for the request, then routes the kick to n2.
    const n3 = await node('n3b');
    try {
      const res = await signed(n3, 'POST', `/apps/${APP_ID}/rooms/r7/kick`, { userIDs: ['k7'] });
      assert.deepEqual(res.body, { kicked: ['k7'], notInRoom: [] });
      assert.equal((await k.push('kickout')).code, ErrorCode.KICKED_BY_SERVER);
      await w.push('userUpdate', (m) => m.updateType === 'DELETE' && m.users[0].userID === 'k7');
    } finally {
      await n3.close();
    }
  });

  it('a node gone for good: its users leave their rooms once the grace window is over', async () => {
    const n4 = await node('n4');
    const { c: gone } = await on(n4, 'gone', 'r4');
    const { c: stay } = await on(n2, 'st4', 'r4');
    n4.cluster?.disconnectAbruptly();
    await n4.close();
    await gone.closed;
    const del = await stay.push(
      'userUpdate',
      (m) => m.updateType === 'DELETE' && m.users[0].userID === 'gone',
    );
    assert.equal(del.users[0].userID, 'gone');
  });
});

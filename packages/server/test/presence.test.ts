import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PushBody, ServerMessage } from '@minirtc/protocol';
import type { Token04Info } from '@minirtc/protocol/crypto';
import { Membership } from '../src/core/model.js';
import { frameWithSeq } from '../src/core/push-encoding.js';
import { OnlineCountPusher } from '../src/core/room-presence.js';
import { Room } from '../src/core/model.js';
import type { MiniRtcServer } from '../src/server.js';
import { Session } from '../src/core/model.js';
import { loginClient, startServer } from './helpers.js';

const LIMITS = { broadcastPerSecond: 10, barragePerSecond: 20, customCommandPerSecond: 200 };
const TOKEN = { appID: 1, userID: 'x', expire: 0, payload: null } as unknown as Token04Info;

/** A room of `n` sessions whose transports record the frames they are given, as text or as objects. */
function roomOf(n: number) {
  const room = new Room(1, 'r', Number.POSITIVE_INFINITY, LIMITS);
  const texts: string[][] = [];
  const objects: ServerMessage[][] = [];
  for (let i = 0; i < n; i++) {
    const s = new Session(1, `u${i}`, `u${i}`, 100);
    const t: string[] = [];
    const o: ServerMessage[] = [];
    texts.push(t);
    objects.push(o);
    s.transport = { send: (m) => o.push(m), sendText: (x) => t.push(x), close: () => {} };
    room.members.set(s.userID, new Membership(room, s, TOKEN, false));
  }
  return { room, texts, objects };
}

describe('room pushes are serialized once', () => {
  it('every member gets the same body with its own seq, as one pre-serialized frame', () => {
    const { room, texts, objects } = roomOf(3);
    // Member u1 already had a push: seqs differ between members.
    room.members.get('u1')?.session.push({ type: 'onlineCount', roomID: 'r', count: 1 });
    const body: PushBody = { type: 'onlineCount', roomID: 'r', count: 3 };
    room.pushToOthers('u2', body);
    assert.deepEqual(JSON.parse(texts[0]?.[0] ?? ''), { ...body, seq: 1 });
    assert.deepEqual(JSON.parse(texts[1]?.[0] ?? ''), { ...body, seq: 2 });
    assert.deepEqual(texts[2], [], 'the excepted member gets nothing');
    assert.equal(objects[1]?.length, 1, 'a single push is sent as an object (serialized by the socket)');
    assert.equal(frameWithSeq('{"type":"x"}', 7), '{"seq":7,"type":"x"}');
  });
});

describe('onlineCount coalescing (unit)', () => {
  it('the first change goes out at once; changes within the interval become one push of the final count', async () => {
    const { room, texts } = roomOf(2);
    const counts = new OnlineCountPusher(50);
    counts.changed(room, 'u1'); // u1 "joined": u0 hears 2 at once
    assert.deepEqual(
      texts[0]?.map((t) => JSON.parse(t).count),
      [2],
    );
    assert.equal(texts[1]?.length, 0, 'the joiner has the count from its login reply');
    // Three more changes in the same tick: nothing now, one push later with the count then.
    for (const id of ['u2', 'u3', 'u4']) {
      const s = new Session(1, id, id, 100);
      s.transport = { send: () => {}, close: () => {} };
      room.members.set(id, new Membership(room, s, TOKEN, false));
      counts.changed(room, id);
    }
    assert.equal(texts[0]?.length, 1);
    const flushed = new Promise<void>((resolve) => {
      const s0 = room.members.get('u0')?.session;
      const t = s0?.transport;
      if (!s0 || !t?.sendText) throw new Error('no transport');
      const orig = t.sendText.bind(t);
      t.sendText = (x) => {
        orig(x);
        resolve();
      };
    });
    await flushed;
    assert.deepEqual(
      texts[0]?.map((t) => JSON.parse(t).count),
      [2, 5],
    );
    assert.deepEqual(
      texts[1]?.map((t) => JSON.parse(t).count),
      [5],
      'the coalesced push goes to every member',
    );
    room.members.clear();
    counts.changed(room, null);
    assert.equal(counts.tracked, 0, 'a closed room leaves no record');
  });

  it('interval 0 pushes every change', () => {
    const { room, texts } = roomOf(3);
    const counts = new OnlineCountPusher(0);
    counts.changed(room, 'u2');
    counts.changed(room, null);
    assert.deepEqual(
      texts[0]?.map((t) => JSON.parse(t).count),
      [3, 3],
    );
    assert.equal(counts.tracked, 0);
  });
});

describe('large rooms (real server)', () => {
  let server: MiniRtcServer;
  let quick: MiniRtcServer;
  before(async () => {
    // A long interval: after the first change, nothing more can go out during the test.
    server = await startServer({ onlineCountIntervalMs: 600_000, userUpdateMaxMembers: 3 });
    quick = await startServer({ onlineCountIntervalMs: 200 });
  });
  after(async () => {
    await server.close();
    await quick.close();
  });

  it('per-user updates stop above userUpdateMaxMembers; counts within the interval are held back', async () => {
    const { c: a } = await loginClient(server, 'a', 'big', { userUpdate: true });
    const { c: b, data: lb } = await loginClient(server, 'b', 'big', { userUpdate: true });
    assert.equal(lb.room.onlineCount, 2);
    assert.equal((await a.push('userUpdate')).users[0].userID, 'b');
    assert.equal((await a.push('onlineCount')).count, 2, 'the first change goes out at once');
    const { c: c3, data: lc } = await loginClient(server, 'c', 'big', { userUpdate: true });
    assert.equal((await a.push('userUpdate')).users[0].userID, 'c', 'room of 3: still per user');
    assert.deepEqual(lc.room.users.map((u: { userID: string }) => u.userID).sort(), ['a', 'b']);
    const { c: d, data: ld } = await loginClient(server, 'd', 'big', { userUpdate: true });
    assert.equal(ld.room.onlineCount, 4, 'the login snapshot is exact');
    assert.equal(ld.room.users, undefined, 'no member list above 3: nobody is told of its changes');
    assert.equal((await d.req('logout', { roomID: 'big' })).code, 0); // left a room of 4: no DELETE
    assert.equal((await c3.req('logout', { roomID: 'big' })).code, 0); // left a room of 3: DELETE
    const del = await a.push('userUpdate', (m) => m.updateType === 'DELETE');
    assert.equal(del.users[0].userID, 'c');
    // A round trip proves everything sent to a before it has arrived.
    assert.equal((await a.req('ping', {})).code, 0);
    assert.deepEqual(a.pending('userUpdate'), [], 'no ADD or DELETE for d (room above 3)');
    assert.deepEqual(a.pending('onlineCount'), [], 'no count while the interval runs');
    for (const c of [a, b]) c.close();
  });

  it('a coalesced count always ends on the room’s current size', async () => {
    const { c: a } = await loginClient(quick, 'qa', 'q');
    const others = [];
    for (const id of ['qb', 'qc', 'qd', 'qe']) others.push((await loginClient(quick, id, 'q')).c);
    assert.equal((await a.push('onlineCount', (m) => m.count === 5)).count, 5);
    assert.equal((await others[0]?.req('logout', { roomID: 'q' }))?.code, 0);
    assert.equal((await a.push('onlineCount', (m) => m.count === 4)).count, 4);
    for (const c of [a, ...others]) c.close();
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PushBody } from '@minirtc/protocol';
import type { Token04Info } from '@minirtc/protocol/crypto';
import { Membership, Room, Session } from '../src/core/model.js';

const TOKEN = { appID: 1, userID: 'x', expire: 0, payload: null } as unknown as Token04Info;
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** A room of `n` sessions (u0…) with a small fan-out slice; each transport records `count` of the pushes it gets, with their seq. */
function roomOf(n: number, limits: { fanoutSlice: number; pushBacklogMax?: number }) {
  const room = new Room(1, 'r', Number.POSITIVE_INFINITY, {
    broadcastPerSecond: 10,
    barragePerSecond: 20,
    customCommandPerSecond: 200,
    ...limits,
  });
  const got = new Map<string, Array<{ seq: number; count: number }>>();
  const add = (id: string) => {
    const s = new Session(1, id, id, 100);
    const log: Array<{ seq: number; count: number }> = [];
    got.set(id, log);
    const record = (m: { seq: number; count: number }) => log.push({ seq: m.seq, count: m.count });
    s.transport = {
      send: (m) => record(m as unknown as { seq: number; count: number }),
      sendText: (t) => record(JSON.parse(t)),
      close: () => {},
    };
    const m = new Membership(room, s, TOKEN, false);
    room.members.set(id, m);
    return m;
  };
  for (let i = 0; i < n; i++) add(`u${i}`);
  const counts = (id: string) => got.get(id)?.map((p) => p.count) ?? [];
  const received = (count: number) =>
    [...got.values()].filter((l) => l.some((p) => p.count === count)).length;
  return { room, got, add, counts, received };
}

const push = (count: number): PushBody => ({ type: 'onlineCount', roomID: 'r', count });

/** Lets the room finish its queued pushes, turn by turn. */
async function drain(room: Room): Promise<void> {
  while (room.pushBacklog > 0) await nextTurn();
}

describe('room pushes spread over event-loop turns', () => {
  it('a room within one slice gets a push at once', () => {
    const { room, received } = roomOf(4, { fanoutSlice: 4 });
    room.pushToOthers(null, push(1));
    assert.equal(received(1), 4);
    assert.equal(room.pushBacklog, 0);
  });

  it('a larger room: one slice now, the rest on later turns, with other work running in between', async () => {
    const { room, received } = roomOf(10, { fanoutSlice: 4 });
    room.pushToOthers('u0', push(1));
    assert.equal(received(1), 4, 'the first slice goes out at once');
    assert.equal(room.pushBacklog, 5);
    // Work queued after the push (another connection's I/O) runs before the push has reached everyone.
    let seenByOtherWork = -1;
    setImmediate(() => {
      seenByOtherWork = received(1);
    });
    await drain(room);
    assert.ok(
      seenByOtherWork >= 4 && seenByOtherWork < 9,
      `other work ran mid-fan-out (saw ${seenByOtherWork})`,
    );
    assert.equal(received(1), 9, 'everyone but the sender, in the end');
  });

  it('later pushes to the room queue behind: every member sees them in order, seqs consecutive', async () => {
    const { room, got } = roomOf(9, { fanoutSlice: 4 });
    room.pushToOthers(null, push(1));
    room.pushToOthers(null, push(2));
    room.pushTo('u8', push(3));
    room.pushToOthers('u3', push(4));
    await drain(room);
    for (const [id, log] of got) {
      const want = id === 'u3' ? [1, 2] : id === 'u8' ? [1, 2, 3, 4] : [1, 2, 4];
      assert.deepEqual(
        log.map((p) => p.count),
        want,
        id,
      );
      assert.deepEqual(
        log.map((p) => p.seq),
        want.map((_, i) => i + 1),
        `${id} seqs`,
      );
    }
  });

  it('members are taken when the push is sent: one who leaves (or leaves and returns), joins or is replaced meanwhile is not sent it', async () => {
    const { room, add, counts } = roomOf(8, { fanoutSlice: 2 });
    room.pushToOthers(null, push(1));
    room.members.delete('u7'); // left before its slice
    add('u8'); // joined after the push (its login snapshot has the state)
    const replaced = room.members.get('u6') as Membership;
    replaced.session = new Session(1, 'u6', 'u6', 100); // a new login took the place over
    let newSessionGot = 0;
    replaced.session.transport = {
      send: () => newSessionGot++,
      sendText: () => newSessionGot++,
      close: () => {},
    };
    // u4 left and logged in again with the same session: its new login snapshot has the state.
    const u4 = room.members.get('u4') as Membership;
    room.members.delete('u4');
    room.members.set('u4', new Membership(room, u4.session, TOKEN, false));
    await drain(room);
    assert.deepEqual(counts('u5'), [1]);
    assert.deepEqual(counts('u4'), [], 'left and came back');
    assert.deepEqual(counts('u7'), [], 'left');
    assert.deepEqual(counts('u8'), [], 'joined later');
    assert.deepEqual(counts('u6'), [], 'the replaced session');
    assert.equal(newSessionGot, 0, 'nor the session that replaced it');
  });

  it('a push caused by a delivery (a socket closing mid-fan-out) queues behind, nothing is lost or repeated', async () => {
    const { room, got, counts } = roomOf(6, { fanoutSlice: 3 });
    const s1 = room.members.get('u1')?.session as Session;
    const log = got.get('u1') ?? [];
    let fired = false;
    s1.transport = {
      send: () => {},
      sendText: (t) => {
        log.push(JSON.parse(t));
        if (!fired) {
          fired = true;
          room.pushToOthers('u1', push(2)); // as a close handler telling the room would
        }
      },
      close: () => {},
    };
    room.pushToOthers(null, push(1));
    await drain(room);
    for (const id of ['u0', 'u2', 'u3', 'u4', 'u5']) assert.deepEqual(counts(id), [1, 2], id);
    assert.deepEqual(counts('u1'), [1]);
  });

  it('a room too far behind refuses broadcasts until it catches up', async () => {
    const { room } = roomOf(10, { fanoutSlice: 2, pushBacklogMax: 5 });
    assert.equal(room.pushesBehind, false);
    room.pushToOthers(null, push(1));
    assert.equal(room.pushBacklog, 8);
    assert.equal(room.pushesBehind, true);
    await drain(room);
    assert.equal(room.pushesBehind, false);
  });
});

describe('a delivery that throws', () => {
  it('is not retried, and the rest of the room still gets the push on later turns', async () => {
    const room = new Room(1, 'r', Number.POSITIVE_INFINITY, {
      broadcastPerSecond: 10,
      barragePerSecond: 20,
      customCommandPerSecond: 200,
      fanoutSlice: 2,
    });
    const got: string[] = [];
    for (let i = 0; i < 5; i++) {
      const s = new Session(1, `u${i}`, `u${i}`, 100);
      s.transport = {
        send: () => {},
        sendText: () => {
          if (i === 1) throw new Error('transport bug');
          got.push(s.userID);
        },
        close: () => {},
      };
      room.members.set(s.userID, new Membership(room, s, TOKEN, false));
    }
    assert.throws(() => room.pushToOthers(null, push(1)), /transport bug/);
    await drain(room);
    assert.deepEqual(got, ['u0', 'u2', 'u3', 'u4']);
  });
});

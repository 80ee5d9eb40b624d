import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RoomState, diffSnapshots } from '../src/room-state.js';
import { stream } from './helpers/scripted-server.js';

const u = (id: string) => ({ userID: id, userName: `n-${id}` });

function room(users: string[], streams: [string, string][], self = 'me'): RoomState {
  const r = new RoomState('r1', self);
  r.load({
    roomID: 'r1',
    roomSeq: 1,
    users: users.map(u),
    streams: streams.map(([s, owner]) => stream(s, u(owner))),
    extraInfo: [],
    onlineCount: users.length + 1,
  });
  return r;
}

test('load filters oneself and own streams', () => {
  const r = room(
    ['a', 'me'],
    [
      ['s1', 'a'],
      ['mine', 'me'],
    ],
  );
  assert.deepEqual([...r.users.keys()], ['a']);
  assert.deepEqual([...r.streams.keys()], ['s1']);
});

test('apply returns only real changes (duplicates emit nothing)', () => {
  const r = room(['a'], []);
  assert.deepEqual(r.applyUsers('ADD', [u('a')]), []);
  assert.deepEqual(r.applyUsers('ADD', [u('b'), u('me')]), [u('b')]);
  assert.deepEqual(r.applyUsers('DELETE', [u('zz')]), []);
  assert.deepEqual(r.applyStreams('ADD', [stream('s', u('b'))]).length, 1);
  assert.deepEqual(r.applyStreams('ADD', [stream('s', u('b'))]).length, 0);
  assert.deepEqual(r.applyStreams('ADD', [stream('own', u('me'))]).length, 0);
  assert.deepEqual(r.applyStreams('DELETE', [stream('s', u('b'))]).length, 1);
});

test('diff: users and streams added/removed; a stream taken over by another user is DELETE+ADD', () => {
  const before = room(
    ['a', 'b'],
    [
      ['s1', 'a'],
      ['s2', 'b'],
    ],
  );
  const after = room(
    ['b', 'c'],
    [
      ['s2', 'c'],
      ['s3', 'c'],
    ],
  );
  const d = diffSnapshots(before, after);
  assert.deepEqual(
    d.usersAdded.map((x) => x.userID),
    ['c'],
  );
  assert.deepEqual(
    d.usersRemoved.map((x) => x.userID),
    ['a'],
  );
  assert.deepEqual(d.streamsAdded.map((x) => x.streamID).sort(), ['s2', 's3']);
  assert.deepEqual(d.streamsRemoved.map((x) => x.streamID).sort(), ['s1', 's2']);
  assert.equal(d.streamsRemoved.find((s) => s.streamID === 's2')?.user.userID, 'b');
});

test('property: applying the diff to the old state yields the new state', () => {
  const ids = fc.constantFrom('a', 'b', 'c', 'd', 'me');
  const snapshot = fc.record({
    users: fc.uniqueArray(ids),
    streams: fc.uniqueArray(fc.tuple(fc.constantFrom('s1', 's2', 's3'), ids), { selector: (t) => t[0] }),
  });
  fc.assert(
    fc.property(snapshot, snapshot, (x, y) => {
      const before = room(x.users, x.streams);
      const after = room(y.users, y.streams);
      const d = diffSnapshots(before, after);
      before.applyUsers('DELETE', d.usersRemoved);
      before.applyUsers('ADD', d.usersAdded);
      before.applyStreams('DELETE', d.streamsRemoved);
      before.applyStreams('ADD', d.streamsAdded);
      assert.deepEqual([...before.users.keys()].sort(), [...after.users.keys()].sort());
      assert.deepEqual(
        [...before.streams.values()].map((s) => `${s.streamID}:${s.user.userID}`).sort(),
        [...after.streams.values()].map((s) => `${s.streamID}:${s.user.userID}`).sort(),
      );
    }),
  );
});

test('no change → empty diff', () => {
  const a = room(['a'], [['s1', 'a']]);
  const b = room(['a'], [['s1', 'a']]);
  const d = diffSnapshots(a, b);
  assert.equal(
    d.usersAdded.length + d.usersRemoved.length + d.streamsAdded.length + d.streamsRemoved.length,
    0,
  );
});

test('a snapshot without the member list (big room, no userUpdate) diffs streams but not users', () => {
  const before = room(['a', 'b'], [['s1', 'a']]);
  const after = new RoomState('r1', 'me');
  after.load({ roomID: 'r1', roomSeq: 2, streams: [stream('s2', u('c'))], extraInfo: [], onlineCount: 900 });
  assert.equal(after.usersKnown, false);
  const d = diffSnapshots(before, after);
  assert.deepEqual(d.usersRemoved, [], 'nobody is said to have left');
  assert.deepEqual(d.usersAdded, []);
  assert.deepEqual(
    d.streamsAdded.map((s) => s.streamID),
    ['s2'],
  );
  assert.deepEqual(
    d.streamsRemoved.map((s) => s.streamID),
    ['s1'],
  );
});

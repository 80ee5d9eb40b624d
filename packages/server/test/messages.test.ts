import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@minirtc/protocol';
import type { MiniRtcServer } from '../src/server.js';
import { type Client, type Msg, loginClient, startServer } from './helpers.js';

/** Sends `n` requests at once and returns their reply codes in order. */
async function burst(
  c: Client,
  n: number,
  type: string,
  fields: (i: number) => Record<string, unknown>,
): Promise<number[]> {
  const replies = await Promise.all(Array.from({ length: n }, (_, i) => c.req(type, fields(i))));
  return replies.map((r: Msg) => r.code);
}

describe('room messages and their limits', () => {
  let server: MiniRtcServer;
  before(async () => {
    server = await startServer({ limits: { customCommandPerSecond: 5 } });
  });
  after(() => server.close());

  it('broadcast reaches the others (not the sender) with numeric messageIDs', async () => {
    const { c: a } = await loginClient(server, 'b1', 'r-bc');
    const { c: b } = await loginClient(server, 'b2', 'r-bc');
    const r1 = await a.req('broadcast', { roomID: 'r-bc', message: 'hello' });
    const r2 = await a.req('broadcast', { roomID: 'r-bc', message: 'again' });
    assert.equal(r1.code, 0);
    assert.equal(r2.data.messageID, r1.data.messageID + 1);
    const m = await b.push('broadcast');
    assert.equal(m.messages[0].message, 'hello');
    assert.deepEqual(m.messages[0].fromUser, { userID: 'b1', userName: 'name-b1' });
    assert.equal(m.messages[0].messageID, r1.data.messageID);
    assert.equal(typeof m.messages[0].sendTime, 'number');
    await a.req('ping', {});
    assert.deepEqual(a.pending('broadcast'), []);
    a.close();
    b.close();
  });

  it('enforces the 1024-byte size and refuses empty messages', async () => {
    const { c } = await loginClient(server, 'sz', 'r-size');
    assert.equal((await c.req('broadcast', { roomID: 'r-size', message: 'x'.repeat(1024) })).code, 0);
    assert.equal(
      (await c.req('broadcast', { roomID: 'r-size', message: 'x'.repeat(1025) })).code,
      ErrorCode.MESSAGE_TOO_LONG,
    );
    // 342 three-byte characters = 1026 bytes, though only 342 characters.
    assert.equal(
      (await c.req('barrage', { roomID: 'r-size', message: '好'.repeat(342) })).code,
      ErrorCode.MESSAGE_TOO_LONG,
    );
    assert.equal((await c.req('barrage', { roomID: 'r-size', message: '' })).code, ErrorCode.MESSAGE_EMPTY);
    assert.equal(
      (await c.req('customCommand', { roomID: 'r-size', command: 'y'.repeat(1025), toUserIDs: ['sz'] })).code,
      ErrorCode.MESSAGE_TOO_LONG,
    );
    c.close();
  });

  it('broadcast: 10/s per room; barrage: 20/s per room', async () => {
    const { c: a } = await loginClient(server, 'rl1', 'r-rate');
    const { c: b } = await loginClient(server, 'rl2', 'r-rate');
    const codes = await burst(a, 30, 'broadcast', (i) => ({ roomID: 'r-rate', message: `m${i}` }));
    assert.deepEqual(codes.slice(0, 10), Array(10).fill(0));
    assert.ok(codes.slice(10).includes(ErrorCode.RATE_LIMITED), `codes ${codes}`);
    // The limit is per room, not per sender: b is limited too right now.
    // (Five, so that only half a second of refill between the bursts could make this pass per sender.)
    const fromB = await burst(b, 5, 'broadcast', (i) => ({ roomID: 'r-rate', message: `b${i}` }));
    assert.ok(fromB.includes(ErrorCode.RATE_LIMITED), `codes ${fromB}`);
    const bar = await burst(b, 45, 'barrage', (i) => ({ roomID: 'r-rate', message: `m${i}` }));
    assert.deepEqual(bar.slice(0, 20), Array(20).fill(0));
    assert.ok(bar.slice(20).includes(ErrorCode.RATE_LIMITED), `codes ${bar}`);
    const got = await a.push('barrage');
    assert.equal(typeof got.messages[0].messageID, 'string');
    a.close();
    b.close();
  });

  it('customCommand: only to the named members in the room, limited per receiving user', async () => {
    const { c: a } = await loginClient(server, 'cc1', 'r-cc');
    const { c: b } = await loginClient(server, 'cc2', 'r-cc');
    const { c: c3 } = await loginClient(server, 'cc3', 'r-cc');
    const notIn = await a.req('customCommand', { roomID: 'r-cc', command: 'x', toUserIDs: ['cc2', 'ghost'] });
    assert.equal(notIn.code, ErrorCode.USER_NOT_IN_ROOM);
    assert.equal(
      (await a.req('customCommand', { roomID: 'r-cc', command: 'hi', toUserIDs: ['cc2'] })).code,
      0,
    );
    const got = await b.push('customCommand');
    assert.equal(got.command, 'hi');
    assert.deepEqual(got.fromUser, { userID: 'cc1', userName: 'name-cc1' });
    // This server allows 5/s per receiver; one was used above.
    const codes = await burst(a, 15, 'customCommand', () => ({
      roomID: 'r-cc',
      command: 'x',
      toUserIDs: ['cc2'],
    }));
    assert.deepEqual(codes.slice(0, 4), [0, 0, 0, 0]);
    assert.ok(codes.slice(4).includes(ErrorCode.RATE_LIMITED), `codes ${codes}`);
    // Another receiver has its own budget.
    assert.equal(
      (await a.req('customCommand', { roomID: 'r-cc', command: 'x', toUserIDs: ['cc3'] })).code,
      0,
    );
    await c3.push('customCommand');
    await c3.req('ping', {});
    assert.equal(c3.pending('customCommand').length, 0, 'cc3 got exactly the one sent to it');
    for (const c of [a, b, c3]) c.close();
  });

  it('setRoomExtraInfo: key ≤ 10 B, value ≤ 128 B, others told, joiners see it', async () => {
    const { c: a } = await loginClient(server, 'ex1', 'r-ex');
    const { c: b } = await loginClient(server, 'ex2', 'r-ex');
    assert.equal(
      (await a.req('setRoomExtraInfo', { roomID: 'r-ex', key: 'k'.repeat(11), value: 'v' })).code,
      1002017,
    );
    assert.equal(
      (await a.req('setRoomExtraInfo', { roomID: 'r-ex', key: 'k', value: 'v'.repeat(129) })).code,
      1002017,
    );
    assert.equal((await a.req('setRoomExtraInfo', { roomID: 'r-ex', key: 'topic', value: 'cats' })).code, 0);
    const upd = await b.push('roomExtraInfo');
    assert.equal(upd.items[0].key, 'topic');
    assert.equal(upd.items[0].value, 'cats');
    assert.deepEqual(upd.items[0].updateUser, { userID: 'ex1', userName: 'name-ex1' });
    const { c: late, data } = await loginClient(server, 'ex3', 'r-ex');
    assert.deepEqual(
      data.room.extraInfo.map((i: { key: string; value: string }) => [i.key, i.value]),
      [['topic', 'cats']],
    );
    for (const c of [a, b, late]) c.close();
  });
});

describe('a room whose fan-out is behind', () => {
  let server: MiniRtcServer;
  before(async () => {
    // No backlog allowed: the handlers must refuse every broadcast and barrage (the backlog's own
    // accounting is unit-tested in room-fanout.test.ts).
    server = await startServer({ limits: { pushBacklogMax: 0 } });
  });
  after(() => server.close());

  it('refuses broadcast and barrage as too frequent (1002073); custom commands and state changes still go', async () => {
    const { c: a } = await loginClient(server, 'bh1', 'r-behind');
    const { c: b } = await loginClient(server, 'bh2', 'r-behind');
    assert.equal(
      (await a.req('broadcast', { roomID: 'r-behind', message: 'x' })).code,
      ErrorCode.RATE_LIMITED,
    );
    assert.equal((await a.req('barrage', { roomID: 'r-behind', message: 'x' })).code, ErrorCode.RATE_LIMITED);
    assert.equal(
      (await a.req('customCommand', { roomID: 'r-behind', command: 'c', toUserIDs: ['bh2'] })).code,
      0,
    );
    assert.equal((await b.push('customCommand')).command, 'c');
    assert.equal((await a.req('setRoomExtraInfo', { roomID: 'r-behind', key: 'k', value: 'v' })).code, 0);
    assert.equal((await b.push('roomExtraInfo')).items[0].value, 'v');
    a.close();
    b.close();
  });
});

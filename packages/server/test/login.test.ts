import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloseCode, ErrorCode } from '@minirtc/protocol';
import type { MiniRtcServer } from '../src/server.js';
import { generateToken04, makeRoomPayload } from '@minirtc/protocol/crypto';
import {
  APP_ID,
  Client,
  OTHER_APP_ID,
  OTHER_SECRET,
  SECRET,
  loginClient,
  startServer,
  token,
} from './helpers.js';

describe('login, users, logout', () => {
  let server: MiniRtcServer;
  before(async () => {
    // Every change pushed at once: these tests check the order of pushes (coalescing: presence.test.ts).
    server = await startServer({ onlineCountIntervalMs: 0 });
  });
  after(() => server.close());

  it('greets every connection with hello', async () => {
    const c = new Client(server.wsUrl);
    const hello = await c.next((m) => m.type === 'hello');
    assert.equal(hello.protocol, 1);
    assert.equal(hello.maxFrameBytes, 16 * 1024);
    assert.ok(Math.abs(hello.serverTime - Date.now()) < 5000);
    c.close();
  });

  it('replies with a snapshot of the room without oneself', async () => {
    const { c: a, data: la } = await loginClient(server, 'alice', 'r-snap');
    assert.equal(la.room.roomID, 'r-snap');
    assert.deepEqual(la.room.users, []);
    assert.equal(la.room.onlineCount, 1);
    assert.equal(la.seq, 0);
    assert.ok(la.sessionID && la.resumeKey);
    assert.equal(la.heartbeatMs, 10000);
    const { c: b, data: lb } = await loginClient(server, 'bob', 'r-snap');
    assert.deepEqual(lb.room.users, [{ userID: 'alice', userName: 'name-alice' }]);
    assert.equal(lb.room.onlineCount, 2);
    assert.ok(lb.room.roomSeq > la.room.roomSeq, 'roomSeq grows with each change');
    assert.deepEqual(server.rooms(APP_ID).find((r) => r.roomID === 'r-snap')?.users, 2);
    a.close();
    b.close();
  });

  it('sends userUpdate ADD and DELETE to those who asked, never about oneself', async () => {
    const { c: a } = await loginClient(server, 'u1', 'r-upd', { userUpdate: true });
    const { c: quiet, data: lq } = await loginClient(server, 'u2', 'r-upd', { userUpdate: false });
    // Without userUpdate the member list is left out of the snapshot: the SDK would never report it.
    assert.equal(lq.room.users, undefined);
    assert.equal(lq.room.onlineCount, 2);
    const add = await a.push('userUpdate');
    assert.equal(add.updateType, 'ADD');
    assert.deepEqual(add.users, [{ userID: 'u2', userName: 'name-u2' }]);
    assert.equal(add.seq, 1);
    const count = await a.push('onlineCount');
    assert.equal(count.count, 2);
    assert.equal(count.seq, 2);

    const { c: b } = await loginClient(server, 'u3', 'r-upd', { userUpdate: true });
    assert.deepEqual((await a.push('userUpdate')).users[0].userID, 'u3');
    assert.equal((await quiet.push('onlineCount')).count, 3);

    const out = await b.req('logout', { roomID: 'r-upd' });
    assert.equal(out.code, 0);
    const del = await a.push('userUpdate');
    assert.equal(del.updateType, 'DELETE');
    assert.deepEqual(del.users, [{ userID: 'u3', userName: 'name-u3' }]);
    assert.equal((await quiet.push('onlineCount', (m) => m.count === 2)).count, 2);
    // A round trip through the quiet client proves every earlier push to it has arrived.
    assert.equal((await quiet.req('ping', {})).code, 0);
    assert.deepEqual(quiet.pending('userUpdate'), [], 'userUpdate:false hears no user updates');
    assert.equal((await b.req('ping', {})).code, 0);
    assert.deepEqual(b.pending('userUpdate'), [], 'no update about oneself');
    // After its last logout the connection has no session.
    assert.equal((await b.req('broadcast', { roomID: 'r-upd', message: 'x' })).code, ErrorCode.NOT_LOGGED_IN);
    for (const c of [a, b, quiet]) c.close();
  });

  it('kicks the older session of the same user out (1002050, close 4001)', async () => {
    const { c: other } = await loginClient(server, 'watcher', 'r-kick');
    const { c: old } = await loginClient(server, 'dup', 'r-kick');
    await other.push('userUpdate', (m) => m.updateType === 'ADD');
    const { c: fresh, data } = await loginClient(server, 'dup', 'r-kick');
    const kick = await old.push('kickout');
    assert.equal(kick.code, ErrorCode.KICKED_SAME_USER);
    assert.equal(kick.roomID, 'r-kick');
    assert.equal(await old.closed, CloseCode.KICKED);
    assert.deepEqual(
      data.room.users.map((u: { userID: string }) => u.userID),
      ['watcher'],
    );
    assert.equal(server.roomUsers(APP_ID, 'r-kick').length, 2);
    assert.equal((await fresh.req('ping', {})).code, 0);
    other.close();
    fresh.close();
  });

  it('refuses bad tokens: one code for every failure up to the identity check, then their own', async () => {
    const c = await Client.open(server.wsUrl);
    const login = (fields: Record<string, unknown>) =>
      c.req('login', { appID: APP_ID, roomID: 'r-tok', user: { userID: 'tu' }, ...fields });
    const expired = token('tu', { roomID: 'r-tok', ttl: 60, now: Math.floor(Date.now() / 1000) - 120 });
    const cases: [string, Record<string, unknown>, number][] = [
      ['expired', { token: expired }, ErrorCode.TOKEN_EXPIRED],
      [
        'token of another app',
        { token: token('tu', { roomID: 'r-tok', appID: OTHER_APP_ID }) },
        ErrorCode.TOKEN_MALFORMED,
      ],
      ['wrong user', { token: token('someone', { roomID: 'r-tok' }) }, ErrorCode.TOKEN_MALFORMED],
      ['wrong room', { token: token('tu', { roomID: 'elsewhere' }) }, ErrorCode.TOKEN_ROOM_MISMATCH],
      [
        'another secret',
        { token: token('tu', { roomID: 'r-tok', secret: OTHER_SECRET }) },
        ErrorCode.TOKEN_MALFORMED,
      ],
      ['tampered', { token: tamper(token('tu', { roomID: 'r-tok' })) }, ErrorCode.TOKEN_MALFORMED],
      ['garbage', { token: 'hello' }, ErrorCode.TOKEN_MALFORMED],
      ['unknown app', { appID: 999, token: token('tu', { roomID: 'r-tok' }) }, ErrorCode.APP_ID_INVALID],
      [
        'no login privilege',
        {
          token: token('tu', {
            payload: { room_id: 'r-tok', privilege: { 1: 0, 2: 1 }, stream_id_list: null },
          }),
        },
        ErrorCode.NO_LOGIN_PRIVILEGE,
      ],
    ];
    for (const [name, fields, code] of cases) {
      const res = await login(fields);
      assert.equal(res.code, code, name);
    }
    assert.equal(server.roomUsers(APP_ID, 'r-tok').length, 0, 'refused logins leave no trace');
    // Both published token04 variants log in: AES-GCM (above, the default) and AES-CBC.
    const cbc = generateToken04({
      appID: APP_ID,
      userID: 'tu',
      secret: SECRET,
      ttlSeconds: 60,
      payload: makeRoomPayload('r-tok', true),
      mode: 'cbc',
    });
    assert.equal((await login({ token: cbc })).code, 0);
    c.close();
  });

  it('enforces maxMemberCount and the multi-room rules', async () => {
    const { c: a } = await loginClient(server, 'm1', 'r-full', { maxMemberCount: 2 });
    const { c: b } = await loginClient(server, 'm2', 'r-full');
    const c = await Client.open(server.wsUrl);
    const res = await c.req('login', {
      appID: APP_ID,
      roomID: 'r-full',
      token: token('m3', { roomID: 'r-full' }),
      user: { userID: 'm3' },
    });
    assert.equal(res.code, ErrorCode.ROOM_FULL);
    // Same connection, second room: same user only.
    const second = await a.req('login', {
      appID: APP_ID,
      roomID: 'r-full-2',
      token: token('m1', { roomID: 'r-full-2' }),
      user: { userID: 'm1' },
    });
    assert.equal(second.code, 0);
    const mismatch = await a.req('login', {
      appID: APP_ID,
      roomID: 'r-full-3',
      token: token('zz', { roomID: 'r-full-3' }),
      user: { userID: 'zz' },
    });
    assert.equal(mismatch.code, ErrorCode.MULTI_ROOM_USER_MISMATCH);
    const again = await a.req('login', {
      appID: APP_ID,
      roomID: 'r-full',
      token: token('m1', { roomID: 'r-full' }),
      user: { userID: 'm1' },
    });
    assert.equal(again.code, ErrorCode.REPEATED_LOGIN);
    // At most five rooms per session.
    for (const r of ['r-f3', 'r-f4', 'r-f5']) {
      const ok = await a.req('login', {
        appID: APP_ID,
        roomID: r,
        token: token('m1', { roomID: r }),
        user: { userID: 'm1' },
      });
      assert.equal(ok.code, 0, r);
    }
    const sixth = await a.req('login', {
      appID: APP_ID,
      roomID: 'r-f6',
      token: token('m1', { roomID: 'r-f6' }),
      user: { userID: 'm1' },
    });
    assert.equal(sixth.code, ErrorCode.TOO_MANY_ROOMS);
    for (const x of [a, b, c]) x.close();
  });

  it('closing the socket after logout leaves the room empty and closed', async () => {
    const { c } = await loginClient(server, 'solo', 'r-solo');
    const closed = new Promise((resolve) => server.once('roomClosed', resolve));
    await c.req('logout', { roomID: 'r-solo' });
    assert.deepEqual(await closed, { appID: APP_ID, roomID: 'r-solo' });
    assert.equal(server.sessionState(APP_ID, 'solo'), 'none');
    c.close();
  });
});

function tamper(t: string): string {
  const raw = Buffer.from(t.slice(2), 'base64');
  raw[raw.length - 5] = (raw[raw.length - 5] ?? 0) ^ 1;
  return '04' + raw.toString('base64');
}

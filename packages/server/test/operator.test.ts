import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloseCode, ErrorCode } from '@minirtc/protocol';
import { MemoryAppStore } from '../src/app-store.js';
import { MiniRtcServer } from '../src/server.js';
import { APP_ID, Client, SECRET, loginClient, startServer, token } from './helpers.js';

describe('operator actions', () => {
  let server: MiniRtcServer;
  const dropped: string[] = [];
  before(async () => {
    server = await startServer();
    server.media.attachController({
      dropStream: (_a, s, r) => dropped.push(`stream ${s} ${r}`),
      dropUser: (_a, u, r) => dropped.push(`user ${u} ${r}`),
    });
  });
  after(() => server.close());

  it('kickUser: kickout 1002055 to the user, DELETE to the others, socket closed', async () => {
    const { c: a } = await loginClient(server, 'k1', 'r-op');
    const { c: b } = await loginClient(server, 'k2', 'r-op');
    await b.req('publish', { roomID: 'r-op', streamID: 's-k2' });
    server.media.streamLive(APP_ID, 's-k2');
    await a.push('streamUpdate', (m) => m.updateType === 'ADD');
    const kicked = new Promise((resolve) => server.once('kick', resolve));
    assert.equal(server.kickUser(APP_ID, 'r-op', 'nobody'), false);
    assert.equal(server.kickUser(APP_ID, 'r-op', 'k2'), true);
    assert.deepEqual(await kicked, {
      appID: APP_ID,
      roomID: 'r-op',
      userID: 'k2',
      code: ErrorCode.KICKED_BY_SERVER,
    });
    const k = await b.push('kickout');
    assert.equal(k.code, ErrorCode.KICKED_BY_SERVER);
    assert.equal(await b.closed, CloseCode.KICKED);
    assert.equal(
      (await a.push('streamUpdate', (m) => m.updateType === 'DELETE')).streams[0].streamID,
      's-k2',
    );
    assert.equal((await a.push('userUpdate', (m) => m.updateType === 'DELETE')).users[0].userID, 'k2');
    assert.ok(dropped.includes('stream s-k2 kick'));
    assert.deepEqual(server.roomUsers(APP_ID, 'r-op'), [{ userID: 'k1', userName: 'name-k1' }]);
    a.close();
  });

  it('closeRoom: everyone kicked, room gone, count returned', async () => {
    const { c: a } = await loginClient(server, 'c1', 'r-close');
    const { c: b } = await loginClient(server, 'c2', 'r-close');
    const closedEvt = new Promise((resolve) => server.once('roomClosed', resolve));
    assert.equal(server.rooms(APP_ID).find((r) => r.roomID === 'r-close')?.users, 2);
    assert.equal(server.closeRoom(APP_ID, 'r-close'), 2);
    assert.equal(server.closeRoom(APP_ID, 'r-close'), 0);
    assert.deepEqual(await closedEvt, { appID: APP_ID, roomID: 'r-close' });
    for (const c of [a, b]) {
      assert.equal((await c.push('kickout')).code, ErrorCode.KICKED_BY_SERVER);
      assert.equal(await c.closed, CloseCode.KICKED);
    }
    assert.equal(
      server.rooms(APP_ID).find((r) => r.roomID === 'r-close'),
      undefined,
    );
  });

  it('a multi-room session kicked from one room stays in the other', async () => {
    const { c: a } = await loginClient(server, 'mr', 'r-m1');
    const second = await a.req('login', {
      appID: APP_ID,
      roomID: 'r-m2',
      token: token('mr', { roomID: 'r-m2' }),
      user: { userID: 'mr' },
    });
    assert.equal(second.code, 0);
    assert.ok(server.kickUser(APP_ID, 'r-m1', 'mr'));
    assert.equal((await a.push('kickout')).roomID, 'r-m1');
    assert.equal((await a.req('broadcast', { roomID: 'r-m2', message: 'x' })).code, 0);
    assert.equal((await a.req('broadcast', { roomID: 'r-m1', message: 'x' })).code, ErrorCode.NOT_LOGGED_IN);
    assert.equal(a.closeCode, null);
    a.close();
  });

  it('reports mediaState from clients as an event, and an app cap bounds room size', async () => {
    const { c } = await loginClient(server, 'ms', 'r-ms');
    const seen = new Promise((resolve) => server.once('mediaState', resolve));
    c.send({
      type: 'mediaState',
      roomID: 'r-ms',
      streamID: 's-ms',
      kind: 'play',
      code: 3803,
      state: 'NO_PLAY',
    });
    assert.deepEqual(await seen, {
      appID: APP_ID,
      roomID: 'r-ms',
      userID: 'ms',
      streamID: 's-ms',
      kind: 'play',
      code: 3803,
      state: 'NO_PLAY',
    });
    c.close();

    const capped = new MiniRtcServer({
      port: 0,
      apps: new MemoryAppStore([{ appID: APP_ID, serverSecret: SECRET, maxRoomMembers: 1 }]),
    });
    await capped.listen();
    try {
      const created = new Promise((resolve) => capped.once('roomCreated', resolve));
      // Asking for 10 does not lift the app's cap of 1.
      const { c: first } = await loginClient(capped, 'cap1', 'r-cap', { maxMemberCount: 10 });
      assert.deepEqual(await created, { appID: APP_ID, roomID: 'r-cap' });
      const second = await Client.open(capped.wsUrl);
      const res = await second.req('login', {
        appID: APP_ID,
        roomID: 'r-cap',
        token: token('cap2', { roomID: 'r-cap' }),
        user: { userID: 'cap2' },
      });
      assert.equal(res.code, ErrorCode.ROOM_FULL);
      first.close();
      second.close();
    } finally {
      await capped.close();
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloseCode, ErrorCode } from '@minirtc/protocol';
import { type StreamGrant, grantQuery, streamSigningKey } from '@minirtc/protocol/crypto';
import { ZegoExpressEngine, createNodePlatform } from '@minirtc/sdk';
import { PREVIEW_USER_ID } from '../src/api/preview.js';
import type { MiniRtcServer } from '../src/server.js';
import type { Db } from '../src/store/database.js';
import { APP_ID, type Client, OTHER_APP_ID, OTHER_SECRET, SECRET, loginClient, token } from './helpers.js';
import { action, admin, signParams, signed, startOpsServer, stopOpsServer } from './ops-helpers.js';

describe('API: live rooms (REST and ZEGO form)', () => {
  let s: { server: MiniRtcServer; db: Db };
  const dropped: string[] = [];
  before(async () => {
    s = await startOpsServer();
    s.server.media.attachController({
      dropStream: (_a, id, reason) => dropped.push(`${id} ${reason}`),
      dropUser: () => {},
    });
  });
  after(() => stopOpsServer(s));

  /** Two users in a room, the second publishing a live stream. */
  async function room(roomID: string): Promise<{ a: Client; b: Client }> {
    const { c: a } = await loginClient(s.server, `${roomID}-a`, roomID);
    const { c: b } = await loginClient(s.server, `${roomID}-b`, roomID);
    assert.equal((await b.req('publish', { roomID, streamID: `${roomID}-s` })).code, 0);
    s.server.media.streamLive(APP_ID, `${roomID}-s`);
    await a.push('streamUpdate', (m) => m.updateType === 'ADD');
    return { a, b };
  }

  it('rooms, room detail, users and user-count describe the live room', async () => {
    await room('rd');
    const rooms = (await signed(s.server, 'GET', `/apps/${APP_ID}/rooms`)).body.rooms;
    assert.deepEqual(
      rooms.find((r: { roomID: string }) => r.roomID === 'rd'),
      {
        roomID: 'rd',
        users: 2,
        streams: 1,
        createdAt: rooms.find((r: { roomID: string }) => r.roomID === 'rd').createdAt,
      },
    );
    const detail = (await signed(s.server, 'GET', `/apps/${APP_ID}/rooms/rd`)).body;
    assert.deepEqual(
      detail.users.map((u: { userID: string; state: string }) => [u.userID, u.state]),
      [
        ['rd-a', 'attached'],
        ['rd-b', 'attached'],
      ],
    );
    assert.equal(detail.streams[0].streamID, 'rd-s');
    assert.equal(detail.streams[0].live, true);
    assert.equal((await signed(s.server, 'GET', `/apps/${APP_ID}/rooms/rd/users`)).body.users.length, 2);
    assert.deepEqual((await signed(s.server, 'GET', `/apps/${APP_ID}/rooms/rd/user-count`)).body, {
      roomID: 'rd',
      count: 2,
    });
    const missing = await signed(s.server, 'GET', `/apps/${APP_ID}/rooms/none`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, ErrorCode.ROOM_NOT_EXIST);
    // Another app sees none of it.
    const other = await signed(
      s.server,
      'GET',
      `/apps/${OTHER_APP_ID}/rooms`,
      undefined,
      signParams(OTHER_APP_ID, OTHER_SECRET),
    );
    assert.deepEqual(other.body.rooms, []);

    const users = await action(s.server, 'DescribeUsers', { RoomId: 'rd' });
    assert.equal(users.Code, 0);
    assert.deepEqual(
      users.Data.UserList.map((u: { UserId: string }) => u.UserId),
      ['rd-a', 'rd-b'],
    );
    const page = await action(s.server, 'DescribeUsers', { RoomId: 'rd', Limit: '1', Mode: '1' });
    assert.deepEqual(
      page.Data.UserList.map((u: { UserId: string }) => u.UserId),
      ['rd-b'],
    );
    assert.equal(page.Data.Marker, '1');
    const num = await action(s.server, 'DescribeUserNum', { RoomId: ['rd', 'none'] });
    assert.deepEqual(
      num.Data.UserCountList.map((r: { UserCount: number }) => r.UserCount),
      [2, 0],
    );
    const list = await action(s.server, 'DescribeRoomStreamList', { RoomId: 'rd' });
    assert.deepEqual(
      list.Data.StreamList.map((x: { StreamId: string; UserId: string }) => [x.StreamId, x.UserId]),
      [['rd-s', 'rd-b']],
    );
    assert.equal(
      (await action(s.server, 'DescribeUsers', { RoomId: 'none' })).Code,
      ErrorCode.ROOM_NOT_EXIST,
    );
  });

  it('kick (REST): 1002055 to the user, DELETE to the others; ZEGO KickoutUser too', async () => {
    const { a, b } = await room('rk');
    const r = await signed(s.server, 'POST', `/apps/${APP_ID}/rooms/rk/kick`, {
      userIDs: ['rk-b', 'ghost'],
      reason: 'spam',
    });
    assert.deepEqual(r.body, { kicked: ['rk-b'], notInRoom: ['ghost'] });
    assert.equal((await b.push('kickout')).code, ErrorCode.KICKED_BY_SERVER);
    assert.equal(await b.closed, CloseCode.KICKED);
    assert.equal(
      (await a.push('streamUpdate', (m) => m.updateType === 'DELETE')).streams[0].streamID,
      'rk-s',
    );
    assert.equal((await a.push('userUpdate', (m) => m.updateType === 'DELETE')).users[0].userID, 'rk-b');
    assert.ok(dropped.includes('rk-s kick'));
    // The operator's action and its reason are in the room's timeline, after what it caused.
    const tl = (await admin(s.server, 'GET', `/apps/${APP_ID}/timeline?roomID=rk`)).body.events as {
      type: string;
      userID?: string;
      detail?: Record<string, unknown>;
    }[];
    const kickAt = tl.findIndex((e) => e.type === 'kick' && e.userID === 'rk-b');
    const apiAt = tl.findIndex((e) => e.type === 'api POST /apps/:appID/rooms/:roomID/kick');
    assert.ok(kickAt >= 0 && apiAt > kickAt, tl.map((e) => e.type).join(', '));
    assert.deepEqual(tl[apiAt]?.detail, { by: 'app', reason: 'spam', userIDs: ['rk-b', 'ghost'] });

    const z = await action(s.server, 'KickoutUser', { RoomId: 'rk', UserId: ['rk-a'] });
    assert.equal(z.Code, 0);
    assert.equal((await a.push('kickout')).code, ErrorCode.KICKED_BY_SERVER);
    const after = (await admin(s.server, 'GET', `/apps/${APP_ID}/timeline?roomID=rk`)).body.events as {
      type: string;
    }[];
    assert.ok(after.some((e) => e.type === 'api KickoutUser'));
    assert.equal(
      (await signed(s.server, 'POST', `/apps/${APP_ID}/rooms/rk/kick`, { userIDs: ['x'] })).status,
      404,
    );
  });

  it('kick reaches a real SDK engine as DISCONNECTED 1002055', async () => {
    const engine = new ZegoExpressEngine(APP_ID, s.server.wsUrl, {
      platform: createNodePlatform(),
      log: { logLevel: 'disable', remoteLogLevel: 'disable' },
    });
    try {
      await engine.loginRoom('rsdk', token('sdk-u', { roomID: 'rsdk' }), {
        userID: 'sdk-u',
        userName: 'sdk',
      });
      const state = new Promise<[string, number]>((resolve) =>
        engine.on('roomStateUpdate', (_roomID: string, st: string, code: number) => {
          if (st === 'DISCONNECTED') resolve([st, code]);
        }),
      );
      assert.equal(
        (await signed(s.server, 'POST', `/apps/${APP_ID}/rooms/rsdk/kick`, { userIDs: ['sdk-u'] })).status,
        200,
      );
      assert.deepEqual(await state, ['DISCONNECTED', ErrorCode.KICKED_BY_SERVER]);
    } finally {
      engine.destroyEngine?.();
    }
  });

  it('broadcast and custom command from the server (REST and ZEGO form)', async () => {
    const { a, b } = await room('rm');
    const br = await signed(s.server, 'POST', `/apps/${APP_ID}/rooms/rm/broadcast`, {
      fromUserID: 'admin',
      message: 'hello all',
    });
    assert.equal(br.status, 200);
    for (const c of [a, b]) {
      const m = await c.push('broadcast');
      assert.equal(m.messages[0].message, 'hello all');
      assert.equal(m.messages[0].fromUser.userID, 'admin');
      assert.equal(m.messages[0].messageID, br.body.messageID);
    }
    const zb = await action(s.server, 'SendBroadcastMessage', {
      RoomId: 'rm',
      UserId: 'rm-a',
      UserName: 'A',
      MessageContent: 'from zego',
    });
    assert.equal(zb.Code, 0);
    assert.equal((await b.push('broadcast')).messages[0].message, 'from zego');
    assert.equal(
      a.pending('broadcast').length,
      0,
      'the named sender, a member, does not get its own broadcast',
    );
    // POST with the parameters in a form body, then in a JSON body (signature fields stay in the query).
    const form = await fetch(`${s.server.httpUrl}/?Action=SendBroadcastMessage&${signParams()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ RoomId: 'rm', UserId: 'srv', MessageContent: 'by form' }).toString(),
    });
    assert.equal(((await form.json()) as { Code: number }).Code, 0);
    assert.equal((await a.push('broadcast')).messages[0].message, 'by form');
    const json = await fetch(`${s.server.httpUrl}/?Action=SendCustomCommand&${signParams()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        RoomId: 'rm',
        FromUserId: 'srv',
        ToUserId: ['rm-b'],
        MessageContent: 'by json',
      }),
    });
    assert.equal(((await json.json()) as { Code: number }).Code, 0);
    assert.equal((await b.push('customCommand')).command, 'by json');

    const cc = await signed(s.server, 'POST', `/apps/${APP_ID}/rooms/rm/custom-command`, {
      fromUserID: 'srv',
      toUserIDs: ['rm-b'],
      command: 'mute',
    });
    assert.equal(cc.status, 200);
    const got = await b.push('customCommand');
    assert.equal(got.command, 'mute');
    assert.equal(got.fromUser.userID, 'srv');
    const bad = await signed(s.server, 'POST', `/apps/${APP_ID}/rooms/rm/custom-command`, {
      fromUserID: 'srv',
      toUserIDs: ['rm-b', 'ghost'],
      command: 'x',
    });
    assert.equal(bad.status, 404);
    assert.equal(bad.body.code, ErrorCode.USER_NOT_IN_ROOM);
    const zc = await action(s.server, 'SendCustomCommand', {
      RoomId: 'rm',
      FromUserId: 'srv',
      ToUserId: ['rm-a'],
      MessageContent: 'zc',
    });
    assert.equal(zc.Code, 0);
    assert.equal((await a.push('customCommand')).command, 'zc');
    assert.equal(b.pending('customCommand').length, 0, 'nobody got the refused command');
    const long = await signed(s.server, 'POST', `/apps/${APP_ID}/rooms/rm/broadcast`, {
      fromUserID: 'x',
      message: 'x'.repeat(1025),
    });
    assert.equal(long.body.code, ErrorCode.MESSAGE_TOO_LONG);
  });

  it('streams list with a previewUrl the media bridge accepts; DELETE closes the stream and drops media', async () => {
    const { a, b } = await room('rs');
    const list = (await signed(s.server, 'GET', `/apps/${APP_ID}/streams?roomID=rs`)).body.streams;
    assert.equal(list.length, 1);
    const st = list[0];
    assert.equal(st.streamID, 'rs-s');
    assert.equal(st.userID, 'rs-b');
    const url = new URL(st.previewUrl);
    assert.match(url.pathname, /\/live\/rs-s\.flv$/);
    const query = Object.fromEntries(url.searchParams);
    assert.ok(Number(query.exp) - Date.now() / 1000 <= 61, 'short-lived');
    const ok = s.server.media.authorize('play', 'rs-s', query);
    assert.equal(ok.ok, true);
    // Tampered, or used to publish, or for another stream: refused.
    assert.equal(s.server.media.authorize('play', 'rs-s', { ...query, room: 'other' }).ok, false);
    assert.equal(s.server.media.authorize('publish', 'rs-s', query).ok, false);
    assert.equal(s.server.media.authorize('play', 'rd-s', query).ok, false);

    // Properly signed, yet refused: a preview grant for another room, a "preview" sid on a user grant,
    // a member's grant once the member is gone, a preview of a stream that is reserved but not live.
    const key = streamSigningKey(SECRET);
    const grant = (g: Partial<StreamGrant>): Record<string, string> =>
      Object.fromEntries(
        new URLSearchParams(
          grantQuery(
            {
              appID: APP_ID,
              roomID: 'rs',
              streamID: 'rs-s',
              action: 'play',
              userID: PREVIEW_USER_ID,
              sessionID: 'preview.test',
              expire: Math.floor(Date.now() / 1000) + 60,
              ...g,
            },
            key,
          ),
        ),
      );
    assert.equal(s.server.media.authorize('play', 'rs-s', grant({})).ok, true, 'the crafted baseline passes');
    assert.equal(s.server.media.authorize('play', 'rs-s', grant({ roomID: 'rd' })).ok, false);
    const asUser = s.server.media.authorize('play', 'rs-s', grant({ userID: 'intruder' }));
    assert.equal(!asUser.ok && asUser.code, ErrorCode.SESSION_NOT_FOUND);
    const { c: leaver } = await loginClient(s.server, 'rs-leaver', 'rs');
    const pull = await leaver.req('play', { roomID: 'rs', streamID: 'rs-s' });
    const pullQuery = Object.fromEntries(new URL(pull.data.url).searchParams);
    assert.equal(s.server.media.authorize('play', 'rs-s', pullQuery).ok, true);
    assert.equal((await leaver.req('logout', { roomID: 'rs' })).code, 0);
    assert.equal(
      s.server.media.authorize('play', 'rs-s', pullQuery).ok,
      false,
      'a member grant is not a preview',
    );
    assert.equal((await b.req('publish', { roomID: 'rs', streamID: 'rs-idle' })).code, 0);
    const idle = s.server.media.authorize('play', 'rs-idle', grant({ streamID: 'rs-idle' }));
    assert.equal(!idle.ok && idle.code, ErrorCode.STREAM_NOT_FOUND, 'not live: no preview');

    const del = await signed(s.server, 'DELETE', `/apps/${APP_ID}/streams/rs-s`);
    assert.deepEqual(del.body, { closed: true, roomID: 'rs', userID: 'rs-b' });
    assert.ok(dropped.includes('rs-s closed'));
    const audited = (await admin(s.server, 'GET', `/apps/${APP_ID}/timeline?roomID=rs`)).body.events as {
      type: string;
      streamID?: string;
    }[];
    assert.ok(
      audited.some((e) => e.type === 'api DELETE /apps/:appID/streams/:streamID' && e.streamID === 'rs-s'),
    );
    assert.equal(
      (await a.push('streamUpdate', (m) => m.updateType === 'DELETE')).streams[0].streamID,
      'rs-s',
    );
    const told = await b.push('mediaUpdate', (m) => m.state === 'stopped');
    assert.equal(told.code, ErrorCode.KICKED_BY_SERVER);
    // The preview grant dies with the stream.
    assert.equal(s.server.media.authorize('play', 'rs-s', query).ok, false);
    assert.equal((await signed(s.server, 'DELETE', `/apps/${APP_ID}/streams/rs-s`)).status, 404);

    // ZEGO DeleteStream on a re-published stream.
    assert.equal((await b.req('publish', { roomID: 'rs', streamID: 'rs-s' })).code, 0);
    s.server.media.streamLive(APP_ID, 'rs-s');
    await a.push('streamUpdate', (m) => m.updateType === 'ADD');
    assert.equal((await action(s.server, 'DeleteStream', { StreamId: 'rs-s' })).Code, 0);
    await a.push('streamUpdate', (m) => m.updateType === 'DELETE');
    assert.equal(
      (await action(s.server, 'ForbidRTCStream', { StreamId: 'rs-s' })).Code,
      ErrorCode.STREAM_NOT_FOUND,
    );
  });

  it('close room (REST and ZEGO CloseRoom): everyone kicked, room gone', async () => {
    const { a, b } = await room('rc');
    const r = await signed(s.server, 'POST', `/apps/${APP_ID}/rooms/rc/close`);
    assert.deepEqual(r.body, { removed: 2 });
    for (const c of [a, b]) assert.equal((await c.push('kickout')).code, ErrorCode.KICKED_BY_SERVER);
    assert.equal((await signed(s.server, 'GET', `/apps/${APP_ID}/rooms/rc`)).status, 404);
    await room('rc2');
    assert.equal((await action(s.server, 'CloseRoom', { RoomId: 'rc2' })).Code, 0);
    assert.equal((await action(s.server, 'CloseRoom', { RoomId: 'rc2' })).Code, ErrorCode.ROOM_NOT_EXIST);
  });

  it('admin may act on any app; an app only on its own', async () => {
    await room('ra');
    assert.equal((await admin(s.server, 'GET', `/apps/${APP_ID}/rooms/ra`)).status, 200);
    const cross = await signed(
      s.server,
      'POST',
      `/apps/${APP_ID}/rooms/ra/kick`,
      { userIDs: ['ra-a'] },
      signParams(OTHER_APP_ID, OTHER_SECRET),
    );
    assert.equal(cross.status, 403);
    assert.equal(s.server.roomUsers(APP_ID, 'ra').length, 2, 'nothing happened');
  });
});

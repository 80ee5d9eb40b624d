import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@minirtc/protocol';
import type { MediaController } from '../src/core/media-bridge.js';
import type { MiniRtcServer } from '../src/server.js';
import { type StreamGrant, signStreamUrl, streamSigningKey } from '@minirtc/protocol/crypto';
import { APP_ID, SECRET, loginClient, startServer, token } from './helpers.js';

/** The stream name and query of a signed URL, as a gateway would read them. */
function parse(url: string): { stream: string; q: Record<string, string> } {
  const u = new URL(url);
  return { stream: u.pathname.split('/').pop() as string, q: Object.fromEntries(u.searchParams) };
}

/** A media controller that records what signaling asks it to drop. */
function recorder(): MediaController & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    dropStream: (appID, streamID, reason) => calls.push(`stream ${appID} ${streamID} ${reason}`),
    dropUser: (appID, userID, reason) => calls.push(`user ${appID} ${userID} ${reason}`),
  };
}

describe('publish, play and the media bridge', () => {
  let server: MiniRtcServer;
  const ctl = recorder();
  before(async () => {
    server = await startServer({ mediaRtmpBase: 'rtmp://media.test:1935/live' });
    server.media.attachController(ctl);
  });
  after(() => server.close());

  it('reserves a streamID, refuses it to another user, and lists it only once live', async () => {
    const { c: pub } = await loginClient(server, 'p1', 'r-pub');
    const { c: peer } = await loginClient(server, 'p2', 'r-pub');
    const res = await pub.req('publish', { roomID: 'r-pub', streamID: 's-one', extraInfo: 'hi' });
    assert.equal(res.code, 0);
    assert.equal(res.data.streamID, 's-one');
    assert.match(res.data.url, /^rtmp:\/\/media\.test:1935\/live\/s-one\?/);
    assert.deepEqual(res.data.urls, [res.data.url]);
    assert.match(res.data.flvUrl, new RegExp(`^${server.httpUrl}/live/s-one\\.flv\\?`));
    assert.equal(server.roomStreams(APP_ID, 'r-pub').length, 0, 'not listed before media');

    const clash = await peer.req('publish', { roomID: 'r-pub', streamID: 's-one' });
    assert.equal(clash.code, ErrorCode.STREAM_ID_TAKEN);

    const { stream, q } = parse(res.data.url);
    const auth = server.media.authorize('publish', stream, q);
    assert.ok(auth.ok);
    assert.equal(auth.owner, `${APP_ID}:p1`);

    server.media.streamLive(APP_ID, 's-one');
    const add = await peer.push('streamUpdate');
    assert.equal(add.updateType, 'ADD');
    assert.equal(add.streams[0].streamID, 's-one');
    assert.deepEqual(add.streams[0].user, { userID: 'p1', userName: 'name-p1' });
    assert.equal(add.streams[0].extraInfo, 'hi');
    const live = await pub.push('mediaUpdate');
    assert.equal(live.state, 'live');
    assert.equal(server.roomStreams(APP_ID, 'r-pub').length, 1);

    // A late joiner sees it in the snapshot.
    const { c: late, data } = await loginClient(server, 'p3', 'r-pub');
    assert.deepEqual(
      data.room.streams.map((s: { streamID: string }) => s.streamID),
      ['s-one'],
    );

    server.media.streamGone(APP_ID, 's-one', 'unpublished');
    const del = await peer.push('streamUpdate', (m) => m.updateType === 'DELETE');
    assert.equal(del.streams[0].streamID, 's-one');
    assert.equal(
      (await late.push('streamUpdate', (m) => m.updateType === 'DELETE')).streams[0].streamID,
      's-one',
    );
    await pub.req('ping', {});
    assert.deepEqual(pub.pending('streamUpdate'), [], 'never about own streams');
    for (const c of [pub, peer, late]) c.close();
  });

  it('needs the publish privilege (and the stream in the token list)', async () => {
    const { c } = await loginClient(server, 'viewer', 'r-priv', {
      token: token('viewer', { roomID: 'r-priv', canPublish: false }),
    });
    assert.equal(
      (await c.req('publish', { roomID: 'r-priv', streamID: 'sv' })).code,
      ErrorCode.NO_PUBLISH_PRIVILEGE,
    );
    const { c: listed } = await loginClient(server, 'lister', 'r-priv', {
      token: token('lister', { roomID: 'r-priv', streams: ['allowed'] }),
    });
    assert.equal(
      (await listed.req('publish', { roomID: 'r-priv', streamID: 'other' })).code,
      ErrorCode.NO_PUBLISH_PRIVILEGE,
    );
    assert.equal((await listed.req('publish', { roomID: 'r-priv', streamID: 'allowed' })).code, 0);
    assert.equal(
      (await c.req('publish', { roomID: 'elsewhere', streamID: 'x' })).code,
      ErrorCode.NOT_LOGGED_IN,
    );
    c.close();
    listed.close();
  });

  it('authorizes fresh grants only: tampered, expired, wrong user, wrong room, wrong action refused', async () => {
    const { c: owner } = await loginClient(server, 'o1', 'r-auth');
    const { c: thief, data: thiefLogin } = await loginClient(server, 'o2', 'r-auth');
    const { c: stranger, data: strangerLogin } = await loginClient(server, 'o3', 'r-other');
    const pub = await owner.req('publish', { roomID: 'r-auth', streamID: 's-auth' });
    const { stream, q } = parse(pub.data.url);
    assert.ok(server.media.authorize('publish', stream, q).ok);

    const tampered = server.media.authorize('publish', stream, { ...q, uid: 'o2' });
    assert.deepEqual([tampered.ok, !tampered.ok && tampered.code], [false, ErrorCode.URL_SIGNATURE_INVALID]);
    const otherName = server.media.authorize('publish', 's-else', q);
    assert.equal(!otherName.ok && otherName.code, ErrorCode.URL_SIGNATURE_INVALID);
    const asPlay = server.media.authorize('play', stream, q);
    assert.equal(!asPlay.ok && asPlay.code, ErrorCode.URL_SIGNATURE_INVALID);

    // Another user's grant to push the same stream: o2 can only get a play grant, which cannot push.
    const play = await thief.req('play', { roomID: 'r-auth', streamID: 's-auth' });
    assert.equal(play.code, 0);
    const p = parse(play.data.url);
    assert.equal(p.q.act, 'play');
    assert.ok(server.media.authorize('play', p.stream, p.q).ok);
    assert.equal(server.media.authorize('publish', p.stream, p.q).ok, false);

    // A correctly signed push grant for the owner's stream, but for another user: refused by ownership.
    const key = streamSigningKey(SECRET);
    const sign = (g: Partial<StreamGrant>) =>
      parse(
        signStreamUrl(
          'rtmp://h/live',
          {
            appID: APP_ID,
            roomID: 'r-auth',
            streamID: 's-auth',
            action: 'push',
            userID: 'o2',
            sessionID: String(thiefLogin.sessionID),
            expire: Math.floor(Date.now() / 1000) + 60,
            ...g,
          },
          key,
        ),
      );
    const hijack = sign({});
    const h = server.media.authorize('publish', hijack.stream, hijack.q);
    assert.equal(!h.ok && h.code, ErrorCode.STREAM_NOT_OWNED);

    // Play from another room: no URL for it, and a signed play grant naming the other room is refused.
    assert.equal(
      (await stranger.req('play', { roomID: 'r-other', streamID: 's-auth' })).code,
      ErrorCode.STREAM_NOT_IN_ROOM,
    );
    assert.equal(
      (await stranger.req('play', { roomID: 'r-other', streamID: 'nope' })).code,
      ErrorCode.STREAM_NOT_FOUND,
    );
    const cross = sign({
      action: 'play',
      userID: 'o3',
      roomID: 'r-other',
      sessionID: String(strangerLogin.sessionID),
    });
    const x = server.media.authorize('play', cross.stream, cross.q);
    assert.equal(!x.ok && x.code, ErrorCode.STREAM_NOT_IN_ROOM);
    // A grant naming a room its user is not in.
    const notIn = sign({ action: 'play', userID: 'o3', sessionID: String(strangerLogin.sessionID) });
    const n = server.media.authorize('play', notIn.stream, notIn.q);
    assert.equal(!n.ok && n.code, ErrorCode.NOT_LOGGED_IN);

    // Expired: a server whose URLs live 0 s issues grants that are already past their expiry.
    const short = await startServer({ urlTtlSeconds: 0 });
    try {
      const { c } = await loginClient(short, 'e1', 'r-exp');
      const r = await c.req('publish', { roomID: 'r-exp', streamID: 's-exp' });
      const e = parse(r.data.url);
      const res = short.media.authorize('publish', e.stream, e.q);
      assert.equal(!res.ok && res.code, ErrorCode.URL_EXPIRED);
      c.close();
    } finally {
      await short.close();
    }

    // The grant dies with the session: after logout the same URL is refused.
    await owner.req('logout', { roomID: 'r-auth' });
    const gone = server.media.authorize('publish', stream, q);
    assert.equal(gone.ok, false);
    for (const c of [owner, thief, stranger]) c.close();
  });

  it('stopPublish releases the stream: DELETE, dropStream, and the ID is free again', async () => {
    const { c: a } = await loginClient(server, 'sp1', 'r-stop');
    const { c: b } = await loginClient(server, 'sp2', 'r-stop');
    await a.req('publish', { roomID: 'r-stop', streamID: 's-stop' });
    server.media.streamLive(APP_ID, 's-stop');
    await b.push('streamUpdate', (m) => m.updateType === 'ADD');
    assert.equal(
      (await b.req('stopPublish', { roomID: 'r-stop', streamID: 's-stop' })).code,
      ErrorCode.STREAM_NOT_OWNED,
    );
    assert.equal((await a.req('stopPublish', { roomID: 'r-stop', streamID: 's-stop' })).code, 0);
    assert.equal(
      (await b.push('streamUpdate', (m) => m.updateType === 'DELETE')).streams[0].streamID,
      's-stop',
    );
    assert.ok(ctl.calls.includes(`stream ${APP_ID} s-stop stopPublish`));
    assert.equal((await b.req('publish', { roomID: 'r-stop', streamID: 's-stop' })).code, 0);
    a.close();
    b.close();
  });

  it('setStreamExtraInfo: own streams only, others told when live', async () => {
    const { c: a } = await loginClient(server, 'x1', 'r-sx');
    const { c: b } = await loginClient(server, 'x2', 'r-sx');
    await a.req('publish', { roomID: 'r-sx', streamID: 's-sx' });
    server.media.streamLive(APP_ID, 's-sx');
    const r = await b.req('setStreamExtraInfo', { roomID: 'r-sx', streamID: 's-sx', extraInfo: 'x' });
    assert.equal(r.code, ErrorCode.STREAM_NOT_OWNED);
    assert.equal(
      (await a.req('setStreamExtraInfo', { roomID: 'r-sx', streamID: 's-sx', extraInfo: 'new' })).code,
      0,
    );
    const upd = await b.push('streamExtraInfo');
    assert.deepEqual(upd.streams, [
      { streamID: 's-sx', user: { userID: 'x1', userName: 'name-x1' }, extraInfo: 'new' },
    ]);
    a.close();
    b.close();
  });

  it("logout takes the user's live streams down for the others", async () => {
    const { c: a } = await loginClient(server, 'l1', 'r-lo');
    const { c: b } = await loginClient(server, 'l2', 'r-lo');
    await a.req('publish', { roomID: 'r-lo', streamID: 's-lo' });
    server.media.streamLive(APP_ID, 's-lo');
    await b.push('streamUpdate', (m) => m.updateType === 'ADD');
    await a.req('logout', { roomID: 'r-lo' });
    assert.equal(
      (await b.push('streamUpdate', (m) => m.updateType === 'DELETE')).streams[0].streamID,
      's-lo',
    );
    const userDel = await b.push('userUpdate', (m) => m.updateType === 'DELETE');
    assert.ok(userDel.seq > 0);
    assert.ok(ctl.calls.includes(`user ${APP_ID} l1 logout`));
    a.close();
    b.close();
  });
});

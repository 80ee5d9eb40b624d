import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloseCode, ErrorCode } from '@minirtc/protocol';
import type { MiniRtcServer } from '../src/server.js';
import { APP_ID, Client, type Msg, event, loginClient, startServer, token } from './helpers.js';

// Long enough that the steps a test takes inside the window fit even on a loaded machine.
const GRACE_MS = 1000;

/** Highest push seq a client has been sent (every push carries one). */
function maxSeq(msgs: Msg[]): number {
  return Math.max(0, ...msgs.map((m) => (typeof m.seq === 'number' ? m.seq : 0)));
}

/**
 * Waits until a full grace window has passed since now, on events only: a throw-away user joins
 * `roomID`, drops, and `observer` sees its DELETE once its grace (started after anything before this
 * call) expires. Any grace timer started before the call has fired by then.
 */
async function afterOneGrace(server: MiniRtcServer, observer: Client, roomID: string, userID: string) {
  const { c } = await loginClient(server, userID, roomID);
  await observer.push('userUpdate', (m) => m.updateType === 'ADD' && m.users[0].userID === userID);
  server.dropConnection(APP_ID, userID);
  await c.closed;
  await observer.push('userUpdate', (m) => m.updateType === 'DELETE' && m.users[0].userID === userID);
}

describe('drop, resume and the grace window', () => {
  let server: MiniRtcServer;
  before(async () => {
    // Every change pushed at once: the replay is checked push by push (coalescing: presence.test.ts).
    server = await startServer({ resumeGraceMs: GRACE_MS, onlineCountIntervalMs: 0 });
  });
  after(() => server.close());

  it('resumes within grace after a server-side socket kill: others see nothing, missed pushes replayed in order', async () => {
    const { c: a } = await loginClient(server, 'ra', 'r-res');
    const { c: b, data: lb } = await loginClient(server, 'rb', 'r-res');
    await a.push('userUpdate', (m) => m.updateType === 'ADD' && m.users[0].userID === 'rb');
    await b.req('publish', { roomID: 'r-res', streamID: 's-rb' });
    server.media.streamLive(APP_ID, 's-rb');
    await a.push('streamUpdate', (m) => m.updateType === 'ADD');
    await a.req('broadcast', { roomID: 'r-res', message: 'before' });
    const before = await b.push('broadcast');
    const seen = maxSeq([before, ...b.inbox]);

    const detached = event(server, 'sessionDetached');
    assert.ok(server.dropConnection(APP_ID, 'rb'));
    await b.closed;
    await detached;
    assert.equal(server.sessionState(APP_ID, 'rb'), 'grace');

    // While rb is away: three broadcasts and a newcomer.
    for (const text of ['m1', 'm2', 'm3'])
      assert.equal((await a.req('broadcast', { roomID: 'r-res', message: text })).code, 0);
    const { c: newcomer } = await loginClient(server, 'rc', 'r-res');

    const b2 = await Client.open(server.wsUrl);
    const res = await b2.req('resume', { sessionID: lb.sessionID, resumeKey: lb.resumeKey, lastSeq: seen });
    assert.equal(res.code, 0, JSON.stringify(res));
    assert.deepEqual(res.data.rooms, ['r-res']);
    const replay: Msg[] = [];
    while (replay.length < 5) replay.push(await b2.next((m) => typeof m.seq === 'number', 'replayed push'));
    assert.deepEqual(
      replay.map((m) => m.seq),
      [seen + 1, seen + 2, seen + 3, seen + 4, seen + 5],
      'consecutive seqs after lastSeq',
    );
    assert.deepEqual(
      replay.map((m) =>
        m.type === 'broadcast' ? m.messages[0].message : m.type === 'userUpdate' ? m.users[0].userID : m.type,
      ),
      ['m1', 'm2', 'm3', 'rc', 'onlineCount'],
    );
    assert.equal(res.data.seq, seen + 5);
    assert.equal(server.sessionState(APP_ID, 'rb'), 'attached');

    // The resumed session works: its broadcast reaches a, and its stream is still listed.
    assert.equal((await b2.req('broadcast', { roomID: 'r-res', message: 'back' })).code, 0);
    assert.equal(
      (await a.push('broadcast', (m) => m.messages[0].message === 'back')).messages[0].fromUser.userID,
      'rb',
    );
    assert.deepEqual(
      server.roomStreams(APP_ID, 'r-res').map((s) => s.streamID),
      ['s-rb'],
    );

    // Let a full grace window pass for someone else (rd drops and does not come back). rb's grace timer,
    // had it survived the resume, would have fired first; a must have seen no DELETE about rb.
    const { c: d } = await loginClient(server, 'rd', 'r-res');
    await a.push('userUpdate', (m) => m.updateType === 'ADD' && m.users[0].userID === 'rd');
    server.dropConnection(APP_ID, 'rd');
    await d.closed;
    const delD = await a.push('userUpdate', (m) => m.updateType === 'DELETE');
    assert.equal(delD.users[0].userID, 'rd', 'the first DELETE a sees is rd after its grace, not rb');
    const flaps = a.inbox.filter(
      (m) =>
        (m.type === 'userUpdate' && m.users[0].userID === 'rb') ||
        (m.type === 'streamUpdate' && m.updateType === 'DELETE'),
    );
    assert.deepEqual(flaps, [], 'no user or stream flapping about rb');
    for (const c of [a, b2, newcomer]) c.close();
  });

  it('after the grace window the user leaves: DELETE for user and live streams, media dropped, resume refused', async () => {
    const dropped: string[] = [];
    server.media.attachController({
      dropStream: (_a, s, r) => dropped.push(`stream ${s} ${r}`),
      dropUser: (_a, u, r) => dropped.push(`user ${u} ${r}`),
    });
    const { c: a } = await loginClient(server, 'ga', 'r-grace');
    const { c: b, data: lb } = await loginClient(server, 'gb', 'r-grace');
    await b.req('publish', { roomID: 'r-grace', streamID: 's-gb' });
    server.media.streamLive(APP_ID, 's-gb');
    await a.push('streamUpdate', (m) => m.updateType === 'ADD');
    server.dropConnection(APP_ID, 'gb');
    const sdel = await a.push('streamUpdate', (m) => m.updateType === 'DELETE');
    assert.equal(sdel.streams[0].streamID, 's-gb');
    const udel = await a.push('userUpdate', (m) => m.updateType === 'DELETE');
    assert.equal(udel.users[0].userID, 'gb');
    assert.ok(udel.seq > sdel.seq, 'streams go before their user');
    // (Clients of earlier tests closed without logout, so their grace windows end around now too.)
    assert.deepEqual(
      dropped.filter((d) => d.includes('gb')),
      ['stream s-gb grace', 'user gb grace'],
    );
    assert.equal(server.sessionState(APP_ID, 'gb'), 'none');

    const b2 = await Client.open(server.wsUrl);
    const res = await b2.req('resume', { sessionID: lb.sessionID, resumeKey: lb.resumeKey, lastSeq: 0 });
    assert.equal(res.code, ErrorCode.SESSION_NOT_FOUND);
    // The client's fallback: a full login again, which the others see as a fresh ADD.
    const again = await b2.req('login', {
      appID: APP_ID,
      roomID: 'r-grace',
      token: token('gb', { roomID: 'r-grace' }),
      user: { userID: 'gb', userName: 'name-gb' },
      config: { userUpdate: true },
    });
    assert.equal(again.code, 0);
    assert.notEqual(again.data.sessionID, lb.sessionID);
    assert.deepEqual(
      again.data.room.users.map((u: { userID: string }) => u.userID),
      ['ga'],
    );
    assert.equal((await a.push('userUpdate', (m) => m.updateType === 'ADD')).users[0].userID, 'gb');
    a.close();
    b.close();
    b2.close();
  });

  it('refuses a wrong resume key and a lastSeq the bounded buffer no longer reaches', async () => {
    const small = await startServer({ resumeGraceMs: 5000, maxBufferedPushes: 3 });
    try {
      const { c: a } = await loginClient(small, 'ka', 'r-key');
      const { c: b, data: lb } = await loginClient(small, 'kb', 'r-key');
      small.dropConnection(APP_ID, 'kb');
      await b.closed;
      for (let i = 0; i < 5; i++) await a.req('broadcast', { roomID: 'r-key', message: `x${i}` });
      const c = await Client.open(small.wsUrl);
      const wrong = await c.req('resume', { sessionID: lb.sessionID, resumeKey: 'not-the-key', lastSeq: 0 });
      assert.equal(wrong.code, ErrorCode.SESSION_NOT_FOUND);
      const future = await c.req('resume', {
        sessionID: lb.sessionID,
        resumeKey: lb.resumeKey,
        lastSeq: 999,
      });
      assert.equal(future.code, ErrorCode.SESSION_NOT_FOUND);
      const old = await c.req('resume', { sessionID: lb.sessionID, resumeKey: lb.resumeKey, lastSeq: 0 });
      assert.equal(old.code, ErrorCode.SESSION_NOT_FOUND, 'five pushes missed, three kept');
      const ok = await c.req('resume', { sessionID: lb.sessionID, resumeKey: lb.resumeKey, lastSeq: 2 });
      assert.equal(ok.code, 0);
      const replay = [await c.push('broadcast'), await c.push('broadcast'), await c.push('broadcast')];
      assert.deepEqual(
        replay.map((m) => m.messages[0].message),
        ['x2', 'x3', 'x4'],
      );
      a.close();
      c.close();
    } finally {
      await small.close();
    }
  });

  it('a new login of a user in grace replaces it silently: no DELETE/ADD, its stream and grants pass on', async () => {
    const { c: a } = await loginClient(server, 'sa', 'r-swap');
    const { c: b } = await loginClient(server, 'sb', 'r-swap');
    const pub = await b.req('publish', { roomID: 'r-swap', streamID: 's-sb' });
    server.media.streamLive(APP_ID, 's-sb');
    await a.push('streamUpdate', (m) => m.updateType === 'ADD');
    await a.push('userUpdate', (m) => m.updateType === 'ADD');
    server.dropConnection(APP_ID, 'sb');
    await b.closed;
    const { c: b2, data } = await loginClient(server, 'sb', 'r-swap');
    assert.deepEqual(
      data.room.users.map((u: { userID: string }) => u.userID),
      ['sa'],
    );
    // The old push URL still authorizes (the publisher takes its stream back at once).
    const u = new URL(pub.data.url);
    const auth = server.media.authorize('publish', 's-sb', Object.fromEntries(u.searchParams));
    assert.ok(auth.ok, JSON.stringify(auth));
    // b2 can stop the stream it inherited.
    assert.equal((await b2.req('stopPublish', { roomID: 'r-swap', streamID: 's-sb' })).code, 0);
    const del = await a.push('streamUpdate', (m) => m.updateType === 'DELETE');
    assert.equal(del.streams[0].streamID, 's-sb');
    // sb's old grace timer would fire one window after the drop: wait that long, then look.
    await afterOneGrace(server, a, 'r-swap', 'sx');
    assert.deepEqual(a.pending('userUpdate'), [], 'no DELETE/ADD of sb, even after the grace window');
    assert.equal(server.roomUsers(APP_ID, 'r-swap').length, 2);
    a.close();
    b2.close();
  });

  it('a resume while the old socket still looks alive takes the session over; the old socket closes', async () => {
    const { c: a } = await loginClient(server, 'ta', 'r-take');
    const { c: b, data: lb } = await loginClient(server, 'tb', 'r-take');
    await a.push('userUpdate', (m) => m.updateType === 'ADD');
    const b2 = await Client.open(server.wsUrl);
    const res = await b2.req('resume', { sessionID: lb.sessionID, resumeKey: lb.resumeKey, lastSeq: 0 });
    assert.equal(res.code, 0);
    assert.equal(await b.closed, CloseCode.NORMAL);
    assert.equal(server.sessionState(APP_ID, 'tb'), 'attached');
    await a.req('broadcast', { roomID: 'r-take', message: 'to b2' });
    assert.equal((await b2.push('broadcast')).messages[0].message, 'to b2');
    await afterOneGrace(server, a, 'r-take', 'tx');
    assert.deepEqual(a.pending('userUpdate'), [], 'no DELETE for tb, even after the grace window');
    a.close();
    b2.close();
  });

  it('multi-room: logging in again to each room takes them all over silently; a room not rejoined sees the user leave when the grace ends', async () => {
    const dropped: string[] = [];
    server.media.attachController({
      dropStream: (_a, s, r) => dropped.push(`stream ${s} ${r}`),
      dropUser: (_a, u, r) => dropped.push(`user ${u} ${r}`),
    });
    const { c: w1 } = await loginClient(server, 'mw1', 'r-mx');
    const { c: w2 } = await loginClient(server, 'mw2', 'r-my');
    const { c: w3 } = await loginClient(server, 'mw3', 'r-mz');
    const { c: m, data: lm } = await loginClient(server, 'mm', 'r-mx');
    const loginTo = (c: Client, roomID: string) =>
      c.req('login', {
        appID: APP_ID,
        roomID,
        token: token('mm', { roomID }),
        user: { userID: 'mm', userName: 'name-mm' },
        config: { userUpdate: true },
      });
    assert.equal((await loginTo(m, 'r-my')).code, 0);
    assert.equal((await loginTo(m, 'r-mz')).code, 0);
    const pub = await m.req('publish', { roomID: 'r-my', streamID: 's-my' });
    const pubZ = await m.req('publish', { roomID: 'r-mz', streamID: 's-mz' });
    assert.equal(pubZ.code, 0);
    server.media.streamLive(APP_ID, 's-my');
    server.media.streamLive(APP_ID, 's-mz');
    for (const [w, s] of [
      [w2, 's-my'],
      [w3, 's-mz'],
    ] as const) {
      assert.equal((await w.push('streamUpdate')).streams[0].streamID, s);
    }
    for (const w of [w1, w2, w3])
      await w.push('userUpdate', (x) => x.updateType === 'ADD' && x.users[0].userID === 'mm');

    server.dropConnection(APP_ID, 'mm');
    await m.closed;
    // A new engine (say, the app restarted) logs in to r-mx and r-my again, not to r-mz.
    const m2 = await Client.open(server.wsUrl);
    const again = await loginTo(m2, 'r-mx');
    assert.equal(again.code, 0);
    assert.notEqual(again.data.sessionID, lm.sessionID);
    assert.equal((await loginTo(m2, 'r-my')).code, 0);
    // The old session is now only a leftover: it cannot be resumed.
    const c3 = await Client.open(server.wsUrl);
    assert.equal(
      (await c3.req('resume', { sessionID: lm.sessionID, resumeKey: lm.resumeKey, lastSeq: 0 })).code,
      ErrorCode.SESSION_NOT_FOUND,
    );
    // The old push grant still authorizes: the user is still in r-my and holds the stream.
    const u = new URL(pub.data.url);
    assert.ok(server.media.authorize('publish', 's-my', Object.fromEntries(u.searchParams)).ok);

    // r-mz was not rejoined: at the end of the old grace window its watcher sees the stream and the user go.
    assert.equal(
      (await w3.push('streamUpdate', (x) => x.updateType === 'DELETE')).streams[0].streamID,
      's-mz',
    );
    assert.equal((await w3.push('userUpdate', (x) => x.updateType === 'DELETE')).users[0].userID, 'mm');
    assert.ok(dropped.includes('stream s-mz grace'));
    assert.ok(!dropped.some((d) => d.startsWith('user mm')), 'the successor keeps its media');
    // r-mx and r-my saw nothing at all.
    for (const w of [w1, w2]) {
      await w.req('ping');
      assert.deepEqual(
        w.inbox.filter((x) => x.type === 'userUpdate' || x.type === 'streamUpdate'),
        [],
      );
    }
    assert.deepEqual(
      server.roomStreams(APP_ID, 'r-my').map((s) => s.streamID),
      ['s-my'],
    );
    assert.equal(server.sessionState(APP_ID, 'mm'), 'attached');
    for (const c of [w1, w2, w3, m2, c3]) c.close();
  });

  it("a leftover session kicked out of its last room does not take the successor's media", async () => {
    const dropped: string[] = [];
    server.media.attachController({
      dropStream: (_a, s, r) => dropped.push(`stream ${s} ${r}`),
      dropUser: (_a, u, r) => dropped.push(`user ${u} ${r}`),
    });
    const { c: m } = await loginClient(server, 'lk', 'r-lk1');
    const second = await m.req('login', {
      appID: APP_ID,
      roomID: 'r-lk2',
      token: token('lk', { roomID: 'r-lk2' }),
      user: { userID: 'lk' },
    });
    assert.equal(second.code, 0);
    server.dropConnection(APP_ID, 'lk');
    await m.closed;
    const { c: m2 } = await loginClient(server, 'lk', 'r-lk1');
    // The leftover still holds r-lk2; an operator kicks it from there.
    assert.ok(server.kickUser(APP_ID, 'r-lk2', 'lk'));
    assert.deepEqual(
      dropped.filter((d) => d.startsWith('user lk')),
      [],
    );
    assert.equal(server.sessionState(APP_ID, 'lk'), 'attached');
    assert.equal((await m2.req('broadcast', { roomID: 'r-lk1', message: 'still in' })).code, 0);
    m2.close();
  });

  it('kicking a session in grace, or logging in from elsewhere while attached, never leaves a ghost', async () => {
    const { c: a } = await loginClient(server, 'ha', 'r-ghost');
    const { c: b } = await loginClient(server, 'hb', 'r-ghost');
    server.dropConnection(APP_ID, 'hb');
    await b.closed;
    assert.ok(server.kickUser(APP_ID, 'r-ghost', 'hb'));
    assert.equal((await a.push('userUpdate', (m) => m.updateType === 'DELETE')).users[0].userID, 'hb');
    assert.equal(server.sessionState(APP_ID, 'hb'), 'none');
    a.close();
  });
});

describe('heartbeat and token lifetime', () => {
  let server: MiniRtcServer;
  before(async () => {
    server = await startServer({ heartbeatTimeoutMs: 500, resumeGraceMs: 5000 });
  });
  after(() => server.close());

  it('closes a silent connection with 4002 and holds its session for resume', async () => {
    const { c } = await loginClient(server, 'hb1', 'r-hb');
    const detached = event(server, 'sessionDetached');
    assert.equal(await c.closed, CloseCode.HEARTBEAT);
    await detached;
    assert.equal(server.sessionState(APP_ID, 'hb1'), 'grace');
  });

  it('keeps a pinging connection open', async () => {
    const { c: a } = await loginClient(server, 'hp1', 'r-hp');
    const { c: b } = await loginClient(server, 'hp2', 'r-hp');
    // Both keep pinging; a watchdog connection that does not ping is closed, which proves time passed.
    const watchdog = await Client.open(server.wsUrl);
    let stop = false;
    const pinger = (async () => {
      while (!stop) {
        a.send({ type: 'ping', lastSeq: 0 });
        b.send({ type: 'ping' });
        await Promise.race([watchdog.closed, new Promise((r) => setTimeout(r, 50))]);
      }
    })();
    assert.equal(await watchdog.closed, CloseCode.HEARTBEAT);
    stop = true;
    await pinger;
    assert.equal(a.closeCode, null);
    assert.equal(b.closeCode, null);
    assert.ok((await a.next((m) => m.type === 'pong')).serverTime > 0);
    a.close();
    b.close();
  });

  it('ping.lastSeq acknowledges pushes: a later resume cannot reach below it', async () => {
    const { c: a } = await loginClient(server, 'ack1', 'r-ack');
    const { c: b, data: lb } = await loginClient(server, 'ack2', 'r-ack');
    await a.req('broadcast', { roomID: 'r-ack', message: 'one' });
    const got = await b.push('broadcast');
    assert.equal((await b.req('ping', { lastSeq: got.seq })).code, 0);
    await a.req('broadcast', { roomID: 'r-ack', message: 'two' });
    await b.push('broadcast');
    server.dropConnection(APP_ID, 'ack2');
    await b.closed;
    const c = await Client.open(server.wsUrl);
    const below = await c.req('resume', { sessionID: lb.sessionID, resumeKey: lb.resumeKey, lastSeq: 0 });
    assert.equal(below.code, ErrorCode.SESSION_NOT_FOUND);
    const ok = await c.req('resume', { sessionID: lb.sessionID, resumeKey: lb.resumeKey, lastSeq: got.seq });
    assert.equal(ok.code, 0);
    assert.equal((await c.push('broadcast')).messages[0].message, 'two');
    a.close();
    c.close();
  });

  it('warns 30 s before token expiry and kicks at expiry with 1102018', async () => {
    const { c } = await loginClient(server, 'tk', 'r-tk', { token: token('tk', { roomID: 'r-tk', ttl: 2 }) });
    const keepAlive = setInterval(() => c.send({ type: 'ping' }), 100);
    try {
      const warn = await c.push('tokenWillExpire');
      assert.equal(warn.roomID, 'r-tk');
      const kick = await c.push('kickout');
      assert.equal(kick.code, ErrorCode.TOKEN_EXPIRED);
      assert.equal(await c.closed, CloseCode.KICKED);
      assert.equal(server.sessionState(APP_ID, 'tk'), 'none');
    } finally {
      clearInterval(keepAlive);
    }
  });

  it('renewToken replaces the token: no kick at the old expiry', async () => {
    const { c: r } = await loginClient(server, 'rn', 'r-rn', {
      token: token('rn', { roomID: 'r-rn', ttl: 2 }),
    });
    await r.push('tokenWillExpire');
    const bad = await r.req('renewToken', { roomID: 'r-rn', token: token('rn', { roomID: 'other' }) });
    assert.equal(bad.code, ErrorCode.TOKEN_ROOM_MISMATCH);
    const renewed = await r.req('renewToken', { roomID: 'r-rn', token: token('rn', { roomID: 'r-rn' }) });
    assert.equal(renewed.code, 0);
    assert.ok(renewed.data.tokenExpire > Date.now() / 1000 + 3000);
    // q's token expires no earlier than r's old one: once q is kicked, r's old expiry has passed.
    const { c: q } = await loginClient(server, 'rq', 'r-rn', {
      token: token('rq', { roomID: 'r-rn', ttl: 2 }),
    });
    const keepAlive = setInterval(() => {
      r.send({ type: 'ping' });
      q.send({ type: 'ping' });
    }, 100);
    try {
      assert.equal((await q.push('kickout')).code, ErrorCode.TOKEN_EXPIRED);
      assert.equal((await r.req('ping', {})).code, 0);
      assert.deepEqual(r.pending('kickout'), []);
      assert.equal(server.sessionState(APP_ID, 'rn'), 'attached');
    } finally {
      clearInterval(keepAlive);
    }
    r.close();
  });
});

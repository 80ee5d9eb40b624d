import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZegoExpressEngine } from '../src/engine.js';
import { FakePlatform } from './helpers/fake-platform.js';
import { record } from './helpers/once.js';
import { ScriptedServer, stream } from './helpers/scripted-server.js';

const u = (id: string) => ({ userID: id, userName: id });
const EVENTS = [
  'playerStateUpdate',
  'roomStateUpdate',
  'roomStateChanged',
  'roomUserUpdate',
  'roomStreamUpdate',
  'roomOnlineUserCountUpdate',
  'IMRecvBroadcastMessage',
  'publisherStateUpdate',
];

function setup(servers = ['ws://a/ws'], opts: Record<string, unknown> = {}) {
  const platform = new FakePlatform();
  const server = new ScriptedServer(platform);
  for (const s of servers) server.up.add(s);
  const engine = new ZegoExpressEngine(1, servers, {
    platform,
    log: { logLevel: 'disable', remoteLogLevel: 'disable' },
    heartbeatMs: 1000,
    heartbeatTimeoutMs: 3000,
    reconnectWindowMs: 10_000,
    backoff: { baseMs: 500, maxMs: 2000, jitter: 0 },
    ...opts,
  });
  const events = record(engine, EVENTS);
  return { platform, server, engine, events };
}

const states = (events: unknown[][]) =>
  events.filter((e) => e[0] === 'roomStateChanged').map((e) => `${e[2]}:${e[3]}`);

async function login(s: ReturnType<typeof setup>, roomID = 'r1') {
  const p = s.engine.loginRoom(roomID, 'tok', u('me'), { userUpdate: true });
  await s.platform.advance(0);
  assert.equal(await p, true);
}

test('login: LOGINING then LOGINED, initial users/streams as ADD, count', async () => {
  const s = setup();
  s.server.rooms.set('r1', {
    roomID: 'r1',
    roomSeq: 3,
    users: [u('a')],
    streams: [stream('sa', u('a'))],
    extraInfo: [],
    onlineCount: 2,
  });
  await login(s);
  assert.deepEqual(states(s.events), ['LOGINING:0', 'LOGINED:0']);
  const users = s.events.find((e) => e[0] === 'roomUserUpdate');
  assert.deepEqual(users?.slice(1), ['r1', 'ADD', [u('a')]]);
  const streams = s.events.find((e) => e[0] === 'roomStreamUpdate');
  assert.equal((streams?.[3] as { streamID: string }[] | undefined)?.[0]?.streamID, 'sa');
  assert.deepEqual(s.events.find((e) => e[0] === 'roomOnlineUserCountUpdate')?.slice(1), ['r1', 2]);
  assert.equal(s.server.socket.sentOf('login')[0]?.appID, 1);
});

test('login failure: DISCONNECTED + LOGIN_FAILED with the server code, socket closed', async () => {
  const s = setup();
  s.server.loginCode.set('r1', 1102018);
  const p = assert.rejects(
    s.engine.loginRoom('r1', 'tok', u('me')),
    (e: { code: number; msg: string }) => e.code === 1102018 && typeof e.msg === 'string',
  );
  await s.platform.advance(0);
  await p;
  assert.deepEqual(states(s.events), ['LOGINING:0', 'LOGIN_FAILED:1102018']);
  assert.equal(s.server.socket.closed, true);
});

test('unreachable servers: login rejects once the login timeout is spent', async () => {
  const s = setup(['ws://a/ws'], { loginTimeoutMs: 4000 });
  s.server.up.clear();
  const p = s.engine.loginRoom('r1', 'tok', u('me'));
  const done = p.then(
    () => 'ok',
    (e: { code: number }) => e.code,
  );
  await s.platform.advance(5000);
  const code = await done;
  // The link gives up when the login's time is spent: no server was ever reached, so NETWORK_BROKEN.
  assert.equal(code, 1000017, 'could not connect to any server');
  assert.ok(s.platform.sockets.length >= 3, 'retried with backoff');
});

test('drop + resume: RECONNECTING(1002051) → RECONNECTED(0), missed pushes replayed once, no user flapping', async () => {
  const s = setup();
  await login(s);
  s.events.length = 0;
  const first = s.server.socket;
  s.server.push({
    type: 'broadcast',
    roomID: 'r1',
    messages: [{ fromUser: u('a'), message: 'm1', sendTime: 1, messageID: 1 }],
  });
  first.serverClose(1006);
  // pushed while the client is away: must arrive after resume, exactly once
  s.server.push({
    type: 'broadcast',
    roomID: 'r1',
    messages: [{ fromUser: u('a'), message: 'm2', sendTime: 2, messageID: 2 }],
  });
  await s.platform.advance(0);
  assert.deepEqual(states(s.events), ['RECONNECTING:1002051', 'RECONNECTED:0']);
  const resume = s.server.socket.sentOf('resume')[0];
  assert.equal(resume?.sessionID, 'sess1');
  assert.equal(resume?.lastSeq, 1);
  const msgs = s.events
    .filter((e) => e[0] === 'IMRecvBroadcastMessage')
    .map((e) => (e[2] as { message: string }[])[0]?.message);
  assert.deepEqual(msgs, ['m1', 'm2']);
  assert.equal(s.events.filter((e) => e[0] === 'roomUserUpdate').length, 0);
  const updates = s.events.filter((e) => e[0] === 'roomStateUpdate').map((e) => e[2]);
  assert.deepEqual(updates, ['CONNECTING', 'CONNECTED']);
});

test('duplicate pushes (seq <= lastSeq) are dropped', async () => {
  const s = setup();
  await login(s);
  s.events.length = 0;
  const p = { type: 'userUpdate', roomID: 'r1', roomSeq: 2, updateType: 'ADD', users: [u('b')], seq: 1 };
  s.server.socket.receive(p);
  s.server.socket.receive(p);
  s.server.socket.receive({ ...p, seq: 1, updateType: 'DELETE' });
  s.server.socket.receive('garbage{');
  s.server.socket.receive({ type: 'nonsense', seq: 2 });
  assert.deepEqual(
    s.events.filter((e) => e[0] === 'roomUserUpdate').map((e) => e[2]),
    ['ADD'],
  );
});

test('resume refused (1990030): full re-login, ADD/DELETE for what changed meanwhile', async () => {
  const s = setup();
  s.server.rooms.set('r1', {
    roomID: 'r1',
    roomSeq: 1,
    users: [u('a'), u('b')],
    streams: [stream('sa', u('a'))],
    extraInfo: [],
    onlineCount: 3,
  });
  await login(s);
  const pub = s.engine.startPublishingStream('mine');
  const play = s.engine.startPlayingStream('sb-never-live');
  await s.platform.advance(0);
  const firstUrl = (await pub).url;
  await play;
  s.events.length = 0;
  s.server.acceptResume = false;
  s.server.rooms.set('r1', {
    roomID: 'r1',
    roomSeq: 9,
    users: [u('b'), u('c')],
    streams: [stream('sc', u('c'))],
    extraInfo: [],
    onlineCount: 3,
  });
  s.server.socket.serverClose(1006);
  await s.platform.advance(0);
  assert.deepEqual(states(s.events), ['RECONNECTING:1002051', 'RECONNECTED:0']);
  const ev = (name: string, type: string) =>
    s.events
      .filter((e) => e[0] === name && e[2] === type)
      .flatMap((e) => (e[3] as { userID?: string; streamID?: string }[]).map((x) => x.userID ?? x.streamID));
  assert.deepEqual(ev('roomUserUpdate', 'ADD'), ['c']);
  assert.deepEqual(ev('roomUserUpdate', 'DELETE'), ['a']);
  assert.deepEqual(ev('roomStreamUpdate', 'ADD'), ['sc']);
  assert.deepEqual(ev('roomStreamUpdate', 'DELETE'), ['sa']);
  // own streams were granted again under the new session and the app was told the new URL
  assert.equal(s.server.socket.sentOf('publish').length, 1);
  assert.equal(s.server.socket.sentOf('play').length, 1);
  const regrants = s.events
    .filter((e) => e[0] === 'publisherStateUpdate' || e[0] === 'playerStateUpdate')
    .map((e) => e[1] as { streamID: string; state: string; extendedData: string });
  assert.deepEqual(
    regrants.map((r) => [r.streamID, r.state, JSON.parse(r.extendedData).reason]),
    [
      ['mine', 'PUBLISH_REQUESTING', 'relogin'],
      ['sb-never-live', 'PLAY_REQUESTING', 'relogin'],
    ],
  );
  const next = s.engine.getNextUrl('mine');
  assert.notEqual(next, firstUrl);
  assert.match(next, /sess=2/);
  // requests work again after the re-login
  const r = s.engine.sendBroadcastMessage('r1', 'hi');
  await s.platform.advance(0);
  assert.equal((await r).errorCode, 0);
});

test('retry window over: DISCONNECTED 1002053 + RECONNECT_FAILED, then no more attempts', async () => {
  const s = setup();
  await login(s);
  s.events.length = 0;
  s.server.up.clear();
  s.server.socket.serverClose(1006);
  await s.platform.advance(12_000);
  assert.deepEqual(states(s.events), ['RECONNECTING:1002051', 'RECONNECT_FAILED:1002053']);
  assert.deepEqual(
    s.events.filter((e) => e[0] === 'roomStateUpdate').map((e) => `${e[2]}:${e[3]}`),
    ['CONNECTING:1002051', 'DISCONNECTED:1002053'],
  );
  const n = s.platform.sockets.length;
  await s.platform.advance(60_000);
  assert.equal(s.platform.sockets.length, n);
  assert.equal(s.platform.pendingTimers, 0);
});

test('reconnect walks the server list with growing delays; network-online retries at once', async () => {
  const s = setup(['ws://a/ws', 'ws://b/ws']);
  await login(s);
  s.server.up.clear();
  s.server.socket.serverClose(1006);
  await s.platform.advance(0); // attempt 1 (immediate) → a
  await s.platform.advance(500); // attempt 2 → b
  await s.platform.advance(1000); // attempt 3 → a
  const urls = s.platform.sockets.slice(1).map((x) => x.url);
  assert.deepEqual(urls, ['ws://a/ws', 'ws://b/ws', 'ws://a/ws']);
  s.server.up.add('ws://b/ws');
  s.platform.setNetwork(true); // no waiting for the 2 s backoff
  await s.platform.advance(0);
  assert.equal(s.platform.last.url, 'ws://b/ws');
  assert.ok(s.events.some((e) => e[0] === 'roomStateChanged' && e[2] === 'RECONNECTED'));
});

test('heartbeat: pings carry lastSeq; a silent server is detected and the link rebuilt', async () => {
  const s = setup();
  await login(s);
  s.server.push({ type: 'onlineCount', roomID: 'r1', count: 5 });
  await s.platform.advance(1000);
  const ping = s.server.socket.sentOf('ping')[0];
  assert.equal(ping?.lastSeq, 1);
  s.server.answerPings = false;
  s.events.length = 0;
  const before = s.platform.sockets.length;
  await s.platform.advance(4600);
  assert.ok(s.platform.sockets.length > before, 'reconnected after heartbeat timeout');
  assert.deepEqual(states(s.events).slice(0, 1), ['RECONNECTING:1002051']);
});

test('kick-out push: DISCONNECTED with its code + KICKOUT, and no reconnect', async () => {
  const s = setup();
  await login(s);
  s.events.length = 0;
  s.server.push({ type: 'kickout', roomID: 'r1', code: 1002050, message: 'elsewhere' });
  s.server.socket.serverClose(4001);
  await s.platform.advance(30_000);
  assert.deepEqual(states(s.events), ['KICKOUT:1002050']);
  assert.equal(s.platform.sockets.length, 1);
});

test('close 4001 without a push still ends as KICKOUT 1002050', async () => {
  const s = setup();
  await login(s);
  s.events.length = 0;
  s.server.socket.serverClose(4001);
  await s.platform.advance(30_000);
  assert.deepEqual(states(s.events), ['KICKOUT:1002050']);
  assert.equal(s.platform.sockets.length, 1);
});

test('logout: DISCONNECTED 0 + LOGOUT, logout sent, link closed, no timers left', async () => {
  const s = setup();
  await login(s);
  s.events.length = 0;
  const sock = s.server.socket;
  const p = s.engine.logoutRoom();
  await s.platform.advance(0);
  await p;
  assert.deepEqual(states(s.events), ['LOGOUT:0']);
  assert.equal(sock.sentOf('logout').length, 1);
  assert.equal(sock.closed, true);
  assert.equal(s.platform.pendingTimers, 0);
});

test('requests made while reconnecting wait for the link, then go through', async () => {
  const s = setup();
  await login(s);
  s.server.up.clear();
  s.server.socket.serverClose(1006);
  await s.platform.advance(0);
  const r = s.engine.sendBroadcastMessage('r1', 'queued');
  await s.platform.advance(100);
  s.server.up.add('ws://a/ws');
  await s.platform.advance(600);
  assert.equal((await r).errorCode, 0);
  assert.equal(s.server.socket.sentOf('broadcast')[0]?.message, 'queued');
});

test('mediaUpdate pushes move own stream states; updatePlayerState dedups and reports mediaState', async () => {
  const s = setup();
  await login(s);
  const pub = s.engine.startPublishingStream('mine');
  await s.platform.advance(0);
  await pub;
  s.server.push({
    type: 'mediaUpdate',
    roomID: 'r1',
    streamID: 'mine',
    kind: 'publish',
    state: 'live',
    code: 0,
  });
  s.engine.updatePlayerState('mine', { detail: { code: 3800 } }); // already PUBLISHING: no second event
  const pubStates = s.events
    .filter((e) => e[0] === 'publisherStateUpdate')
    .map((e) => (e[1] as { state: string }).state);
  assert.deepEqual(pubStates, ['PUBLISH_REQUESTING', 'PUBLISHING']);
  const ms = s.server.socket.sentOf('mediaState')[0];
  assert.deepEqual(
    [ms?.streamID, ms?.kind, ms?.code, ms?.state, ms?.roomID],
    ['mine', 'publish', 3800, 'PUBLISHING', 'r1'],
  );
  assert.equal(ms?.reqId, undefined);
});

test('a re-login round cut short by another drop: the resumed new session still joins every room', async () => {
  const s = setup(['ws://a/ws'], {});
  s.engine.enableMultiRoom(true);
  await login(s, 'r1');
  await login(s, 'r2');
  s.events.length = 0;
  s.server.acceptResume = false;
  s.server.dropOnLogin.add('r2'); // r1 re-logs in, then the link dies before r2 is answered
  s.server.onLoginDropped = () => {
    s.server.acceptResume = true; // …and the next link resumes the new session
  };
  s.server.socket.serverClose(1006);
  await s.platform.advance(1000);
  const changed = s.events.filter((e) => e[0] === 'roomStateChanged').map((e) => `${e[1]}:${e[2]}`);
  assert.deepEqual(changed.filter((c) => c.startsWith('r1')).at(-1), 'r1:RECONNECTED');
  assert.deepEqual(changed.filter((c) => c.startsWith('r2')).at(-1), 'r2:RECONNECTED');
  const last = s.server.socket;
  assert.equal(last.sentOf('resume').length, 1, 'resumed the new session');
  assert.deepEqual(
    last.sentOf('login').map((m) => m.roomID),
    ['r2'],
    'only the room missing from it logged in again',
  );
  const r = s.engine.sendBroadcastMessage('r2', 'ok');
  await s.platform.advance(0);
  assert.equal((await r).errorCode, 0);
});

test('stops and logouts made while reconnecting reach the server after the resume', async () => {
  const s = setup();
  s.engine.enableMultiRoom(true);
  await login(s, 'r1');
  await login(s, 'r2');
  const pub = s.engine.startPublishingStream('mine', { roomID: 'r1' });
  await s.platform.advance(0);
  await pub;
  s.server.up.clear();
  s.server.socket.serverClose(1006);
  await s.platform.advance(0);
  assert.equal(s.engine.stopPublishingStream('mine'), true);
  const out = s.engine.logoutRoom('r2');
  s.server.up.add('ws://a/ws');
  await s.platform.advance(600);
  await out;
  const last = s.server.socket;
  assert.equal(last.sentOf('resume').length, 1);
  assert.deepEqual(
    last.sentOf('stopPublish').map((m) => m.streamID),
    ['mine'],
  );
  assert.deepEqual(
    last.sentOf('logout').map((m) => m.roomID),
    ['r2'],
  );
  assert.deepEqual(
    s.events
      .filter((e) => e[0] === 'roomStateChanged' && e[1] === 'r2')
      .map((e) => e[2])
      .slice(-1),
    ['LOGOUT'],
  );
});

test('the device going offline is reported at once, not after the heartbeat timeout', async () => {
  const s = setup();
  await login(s);
  s.events.length = 0;
  s.server.up.clear();
  s.platform.setNetwork(false);
  assert.deepEqual(states(s.events), ['RECONNECTING:1002051']);
  s.server.up.add('ws://a/ws');
  s.platform.setNetwork(true);
  await s.platform.advance(0);
  assert.deepEqual(states(s.events), ['RECONNECTING:1002051', 'RECONNECTED:0']);
});

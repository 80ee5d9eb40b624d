import assert from 'node:assert/strict';
import { once as onceEvent } from 'node:events';
import { after, describe, it } from 'node:test';
import type { MiniRtcServer } from '@minirtc/server';
import { WebSocket } from 'ws';
import type { ZegoExpressEngine, ZegoStreamList } from '../src/index.js';
import { APP_ID, loginAs, makeEngine, startServer } from './helpers/integration.js';
import { once, record } from './helpers/once.js';

type U = { userID: string };

describe('reconnect against the real server', () => {
  const servers: MiniRtcServer[] = [];
  const engines: ZegoExpressEngine[] = [];
  const start = async (opts: Parameters<typeof startServer>[0] = {}) => {
    const s = await startServer(opts);
    servers.push(s);
    return s;
  };
  const engine = (server: MiniRtcServer, opts = {}) => {
    const made = makeEngine(server, opts);
    engines.push(made.engine);
    return made;
  };
  after(async () => {
    for (const e of engines) e.destroyEngine();
    for (const s of servers) await s.close();
  });

  it('socket killed by the server: resume, no user flapping for others, missed messages delivered', async () => {
    const server = await start({ resumeGraceMs: 10_000 });
    const { engine: a } = engine(server);
    const { engine: b } = engine(server);
    await loginAs(a, 'ra', 'room-resume');
    await loginAs(b, 'rb', 'room-resume');
    const bUsers = record(b, ['roomUserUpdate']);
    const aStates = record(a, ['roomStateUpdate', 'roomStateChanged']);
    const aUsers = record(a, ['roomUserUpdate', 'roomStreamUpdate']);
    const connecting = once(a, 'roomStateUpdate', (_r, s) => s === 'CONNECTING');
    const resumed = onceEvent(server, 'sessionResumed');
    assert.equal(server.dropConnection(APP_ID, 'ra'), true);
    await connecting;
    await resumed;
    await once(a, 'roomStateUpdate', (_r, s) => s === 'CONNECTED');
    assert.deepEqual(
      aStates.map((e) => `${e[0]}:${e[2]}:${e[3]}`),
      [
        'roomStateUpdate:CONNECTING:1002051',
        'roomStateChanged:RECONNECTING:1002051',
        'roomStateUpdate:CONNECTED:0',
        'roomStateChanged:RECONNECTED:0',
      ],
    );
    // a message sent by b reaches a (on the resumed session), and b never saw a leave or rejoin
    const got = once<[string, { message: string }[]]>(a, 'IMRecvBroadcastMessage');
    assert.equal((await b.sendBroadcastMessage('room-resume', 'after resume')).errorCode, 0);
    assert.equal((await got)[1][0]?.message, 'after resume');
    assert.deepEqual(bUsers, []);
    assert.deepEqual(aUsers, []);
  });

  it('pushes sent while the client is away arrive after the resume, once', async () => {
    const server = await start({ resumeGraceMs: 10_000 });
    const { engine: a, gate } = engine(server);
    const { engine: b } = engine(server);
    await loginAs(a, 'wa', 'room-away');
    await loginAs(b, 'wb', 'room-away');
    const msgs = record(a, ['IMRecvBroadcastMessage']);
    gate.open = false;
    const detached = onceEvent(server, 'sessionDetached');
    server.dropConnection(APP_ID, 'wa');
    await detached;
    assert.equal((await b.sendBroadcastMessage('room-away', 'while away 1')).errorCode, 0);
    assert.equal((await b.sendBroadcastMessage('room-away', 'while away 2')).errorCode, 0);
    gate.open = true;
    await once(a, 'roomStateChanged', (_r, s) => s === 'RECONNECTED');
    const after = once(
      a,
      'IMRecvBroadcastMessage',
      (_r, l: { message: string }[]) => l[0]?.message === 'marker',
    );
    await b.sendBroadcastMessage('room-away', 'marker');
    await after;
    assert.deepEqual(
      msgs.map((e) => (e[2] as { message: string }[])[0]?.message),
      ['while away 1', 'while away 2', 'marker'],
    );
  });

  it('away longer than the grace window: full re-login, the changes arrive as ADD/DELETE', async () => {
    const server = await start({ resumeGraceMs: 300 });
    const { engine: a, gate } = engine(server, { reconnectWindowMs: 20_000 });
    const { engine: b } = engine(server);
    const { engine: c } = engine(server);
    await loginAs(a, 'ga', 'room-grace');
    await loginAs(b, 'gb', 'room-grace');
    await loginAs(c, 'gc', 'room-grace');
    await c.startPublishingStream('stream-gc');
    const cLive = once(a, 'roomStreamUpdate');
    server.media.streamLive(APP_ID, 'stream-gc');
    await cLive;
    const aPub = await a.startPublishingStream('stream-ga');

    gate.open = false;
    const graceOver = once<[{ userID: string; reason: string }]>(
      server as never,
      'logout',
      (e) => e.userID === 'ga',
      10_000,
    );
    server.dropConnection(APP_ID, 'ga');
    // while a is away: c leaves, d arrives and goes live
    await c.logoutRoom();
    const { engine: d } = engine(server);
    await loginAs(d, 'gd', 'room-grace');
    await d.startPublishingStream('stream-gd');
    server.media.streamLive(APP_ID, 'stream-gd');
    // wait for a's session to expire on the server
    const [gone] = await graceOver;
    assert.equal(gone.reason, 'grace');
    assert.equal(server.sessionState(APP_ID, 'ga'), 'none');

    const events = record(a, ['roomStateChanged', 'roomUserUpdate', 'roomStreamUpdate']);
    const bSeesA = once<[string, string, U[]]>(
      b,
      'roomUserUpdate',
      (_r, t, l) => t === 'ADD' && l[0]?.userID === 'ga',
    );
    const republished = once<[{ streamID: string; state: string; extendedData: string }]>(
      a,
      'publisherStateUpdate',
      (e) => e.streamID === 'stream-ga',
    );
    gate.open = true;
    await once(a, 'roomStateChanged', (_r, s) => s === 'RECONNECTED');
    await bSeesA;
    const [rep] = await republished;
    assert.equal(rep.state, 'PUBLISH_REQUESTING');
    assert.equal(JSON.parse(rep.extendedData).url, a.getNextUrl('stream-ga'));
    const pick = (name: string, type: string) =>
      events
        .filter((e) => e[0] === name && e[2] === type)
        .flatMap((e) =>
          (e[3] as (U | ZegoStreamList)[]).map((x) => ('streamID' in x ? x.streamID : x.userID)),
        );
    assert.deepEqual(pick('roomUserUpdate', 'ADD'), ['gd']);
    assert.deepEqual(pick('roomUserUpdate', 'DELETE'), ['gc']);
    assert.deepEqual(pick('roomStreamUpdate', 'ADD'), ['stream-gd']);
    assert.deepEqual(pick('roomStreamUpdate', 'DELETE'), ['stream-gc']);
    assert.equal(events[0]?.[2], 'RECONNECTED');
    // a's own stream was granted again under the new session
    const next = JSON.parse(rep.extendedData).url as string;
    assert.notEqual(next, aPub.url);
    assert.match(next, /stream-ga\?/);
    assert.equal((await a.sendBroadcastMessage('room-grace', 'back')).errorCode, 0);
  });

  it('network gone past the retry window: DISCONNECTED 1002053 / RECONNECT_FAILED', async () => {
    const server = await start();
    const { engine: a, gate } = engine(server, { reconnectWindowMs: 600 });
    await loginAs(a, 'fa', 'room-fail');
    gate.open = false;
    const failed = once<[string, string, number]>(
      a,
      'roomStateUpdate',
      (_r, s) => s === 'DISCONNECTED',
      10_000,
    );
    const reason = once<[string, string, number]>(
      a,
      'roomStateChanged',
      (_r, s) => s === 'RECONNECT_FAILED',
      10_000,
    );
    server.dropConnection(APP_ID, 'fa');
    assert.equal((await failed)[2], 1002053);
    assert.equal((await reason)[2], 1002053);
    gate.open = true;
    assert.equal((await a.sendBroadcastMessage('room-fail', 'x')).errorCode, 1000002);
  });

  it('server restart: clients come back by themselves and log in again', async () => {
    const first = await start();
    const port = first.port;
    const { engine: a } = engine(first, { reconnectWindowMs: 20_000 });
    const { engine: b } = engine(first, { reconnectWindowMs: 20_000 });
    await loginAs(a, 'xa', 'room-restart');
    await loginAs(b, 'xb', 'room-restart');
    const aBack = once(a, 'roomStateChanged', (_r, s) => s === 'RECONNECTED', 15_000);
    const bBack = once(b, 'roomStateChanged', (_r, s) => s === 'RECONNECTED', 15_000);
    await first.close();
    const second = await start({ port });
    await Promise.all([aBack, bBack]);
    const users = second
      .roomUsers(APP_ID, 'room-restart')
      .map((u) => u.userID)
      .sort();
    assert.deepEqual(users, ['xa', 'xb']);
    const got = once<[string, { message: string }[]]>(b, 'IMRecvBroadcastMessage');
    assert.equal((await a.sendBroadcastMessage('room-restart', 'hello again')).errorCode, 0);
    assert.equal((await got)[1][0]?.message, 'hello again');
  });

  it('a flood of garbage frames from a raw client leaves an engine session working', async () => {
    const server = await start();
    const { engine: a } = engine(server);
    const { engine: b } = engine(server);
    await loginAs(a, 'ja', 'room-junk');
    await loginAs(b, 'jb', 'room-junk');
    const aStates = record(a, ['roomStateUpdate']);
    const raw = new WebSocket(server.wsUrl);
    raw.on('error', () => {});
    await onceEvent(raw, 'open');
    const closed = onceEvent(raw, 'close');
    const junk = [
      '{',
      'null',
      '[]',
      '{"type":"nope"}',
      '{"type":"login"}',
      'x'.repeat(20_000),
      '\u0000\u0001',
    ];
    for (let i = 0; i < 600 && raw.readyState === WebSocket.OPEN; i++)
      raw.send(junk[i % junk.length] as string);
    const [code] = (await closed) as [number];
    assert.ok(code === 4003 || code === 1009, `abuser closed with ${code}`);
    const got = once<[string, { message: string }[]]>(b, 'IMRecvBroadcastMessage');
    assert.equal((await a.sendBroadcastMessage('room-junk', 'unaffected')).errorCode, 0);
    assert.equal((await got)[1][0]?.message, 'unaffected');
    assert.deepEqual(aStates, []);
  });

  it('remote logs are batched to the server /httplog', async () => {
    const server = await start();
    const { engine: a } = engine(server, { log: { logLevel: 'disable', remoteLogLevel: 'info' } });
    await loginAs(a, 'la', 'room-log');
    await a.log.flush();
    const logs = server.logs({ appID: APP_ID, userID: 'la' });
    assert.ok(logs.length > 0, 'logs arrived');
    assert.ok(
      logs.some((l) => /room-log CONNECTED LOGINED/.test(l.message)),
      JSON.stringify(logs).slice(0, 500),
    );
    // the device report names the runtime and SDK version
    const device = server.logs({ appID: APP_ID, contains: 'device node' }).at(-1);
    const facts = (device?.data as { data?: { runtime?: string; sdkVersion?: string } } | undefined)?.data;
    assert.equal(facts?.runtime, 'node');
    assert.equal(facts?.sdkVersion, a.getVersion());
  });
});

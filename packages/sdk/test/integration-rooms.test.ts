import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MiniRtcServer } from '@minirtc/server';
import type { ZegoExpressEngine } from '../src/index.js';
import {
  APP_ID,
  OTHER_APP_ID,
  OTHER_SECRET,
  SECRET,
  loginAs,
  makeEngine,
  startServer,
  token,
} from './helpers/integration.js';
import { once, record } from './helpers/once.js';

type U = { userID: string; userName: string };

describe('rooms against the real server', () => {
  let server: MiniRtcServer;
  const engines: ZegoExpressEngine[] = [];
  const engine = (opts = {}) => {
    const e = makeEngine(server, opts).engine;
    engines.push(e);
    return e;
  };

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    for (const e of engines) e.destroyEngine();
    await server.close();
  });

  it('login and user lists both ways; logout is seen as DELETE', async () => {
    const a = engine();
    const b = engine();
    const aStates = record(a, ['roomStateUpdate', 'roomStateChanged']);
    await loginAs(a, 'ua', 'room-users');
    assert.deepEqual(
      aStates.map((e) => e.slice(1, 3)),
      [
        ['room-users', 'CONNECTING'],
        ['room-users', 'LOGINING'],
        ['room-users', 'CONNECTED'],
        ['room-users', 'LOGINED'],
      ],
    );
    const aSeesB = once<[string, string, U[]]>(
      a,
      'roomUserUpdate',
      (_r, t, l) => t === 'ADD' && l[0]?.userID === 'ub',
    );
    const bSeesA = once<[string, string, U[]]>(b, 'roomUserUpdate', (_r, t) => t === 'ADD');
    const bCount = once<[string, number]>(b, 'roomOnlineUserCountUpdate');
    await loginAs(b, 'ub', 'room-users');
    const [, , addB] = await aSeesB;
    assert.deepEqual(addB, [{ userID: 'ub', userName: 'name-ub' }]);
    const [, , addA] = await bSeesA;
    assert.deepEqual(
      addA.map((u) => u.userID),
      ['ua'],
      'initial list never includes oneself',
    );
    assert.equal((await bCount)[1], 2);
    const aSeesLeave = once<[string, string, U[]]>(a, 'roomUserUpdate', (_r, t) => t === 'DELETE');
    await b.logoutRoom('room-users');
    assert.deepEqual(
      (await aSeesLeave)[2].map((u) => u.userID),
      ['ub'],
    );
  });

  it('a server list falls back past a dead address', async () => {
    const { engine: e } = makeEngine(['ws://127.0.0.1:1/ws', server.wsUrl]);
    engines.push(e);
    await loginAs(e, 'fallback', 'room-fallback');
    assert.equal(server.sessionState(APP_ID, 'fallback'), 'attached');
  });

  it('userUpdate:false hears no roomUserUpdate (while a listening peer does)', async () => {
    const quiet = engine();
    const loud = engine();
    const quietUsers = record(quiet, ['roomUserUpdate']);
    await loginAs(quiet, 'q1', 'room-quiet', { userUpdate: false });
    await loginAs(loud, 'q2', 'room-quiet', { userUpdate: true });
    const joiner = engine();
    const loudSeesJoin = once(loud, 'roomUserUpdate', (_r, t) => t === 'ADD');
    const loudSeesLeave = once(loud, 'roomUserUpdate', (_r, t) => t === 'DELETE');
    await loginAs(joiner, 'q3', 'room-quiet');
    await loudSeesJoin;
    await joiner.logoutRoom();
    await loudSeesLeave;
    // the quiet engine is still in the room and working, it just was not told
    const r = await quiet.sendBroadcastMessage('room-quiet', 'still here');
    assert.equal(r.errorCode, 0);
    assert.deepEqual(quietUsers, []);
  });

  it('a second login of the same userID kicks the older session: DISCONNECTED 1002050, no reconnect', async () => {
    const old = engine();
    const fresh = engine();
    await loginAs(old, 'dup', 'room-kick');
    const kicked = once<[string, string, number]>(old, 'roomStateUpdate', (_r, s) => s === 'DISCONNECTED');
    const reason = once<[string, string, number]>(old, 'roomStateChanged', (_r, s) => s === 'KICKOUT');
    await loginAs(fresh, 'dup', 'room-kick');
    assert.equal((await kicked)[2], 1002050);
    assert.equal((await reason)[2], 1002050);
    const reconnects = record(old, ['roomStateUpdate']);
    // the new session works, and the old engine did not fight back for the userID
    assert.equal((await fresh.sendBroadcastMessage('room-kick', 'mine now')).errorCode, 0);
    assert.equal(server.sessionState(APP_ID, 'dup'), 'attached');
    assert.deepEqual(
      server.roomUsers(APP_ID, 'room-kick').map((u) => u.userID),
      ['dup'],
    );
    assert.deepEqual(reconnects, []);
    const r = await old.sendBroadcastMessage('room-kick', 'x');
    assert.equal(r.errorCode, 1000002);
  });

  it('bad tokens are rejected with their exact code, and leave LOGIN_FAILED', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string, number][] = [
      ['expired', token('tk', 'room-tok', { ttl: 60, now: now - 120 }), 1102018],
      // Identity failures share the one token failure code (no oracle): see verifyToken04.
      ['other app', token('tk', 'room-tok', { appID: OTHER_APP_ID }), 1990014],
      ['wrong user', token('someone', 'room-tok'), 1990014],
      ['wrong room', token('tk', 'elsewhere'), 1002033],
      ['other secret', token('tk', 'room-tok', { secret: OTHER_SECRET }), 1990014],
      ['tampered', tamper(token('tk', 'room-tok')), 1990014],
    ];
    assert.notEqual(SECRET, OTHER_SECRET);
    for (const [name, tok, code] of cases) {
      const e = engine();
      const failed = once<[string, string, number]>(e, 'roomStateChanged', (_r, s) => s === 'LOGIN_FAILED');
      await assert.rejects(
        e.loginRoom('room-tok', tok, { userID: 'tk' }),
        (err: { code: number; msg: string }) => {
          assert.equal(err.code, code, name);
          assert.equal(typeof err.msg, 'string');
          return true;
        },
      );
      assert.equal((await failed)[2], code, name);
    }
    assert.equal(server.roomUsers(APP_ID, 'room-tok').length, 0);
  });

  it('no publish privilege: login works, startPublishingStream rejects 1003072 and ends NO_PUBLISH', async () => {
    const e = engine();
    await loginAs(e, 'viewer', 'room-priv', {}, { canPublish: false });
    const states = record(e, ['publisherStateUpdate']);
    await assert.rejects(e.startPublishingStream('s-priv'), (err: { code: number }) => err.code === 1003072);
    assert.deepEqual(
      states.map((x) => [(x[1] as { state: string }).state, (x[1] as { errorCode: number }).errorCode]),
      [
        ['PUBLISH_REQUESTING', 0],
        ['NO_PUBLISH', 1003072],
      ],
    );
  });

  it('local validation answers with ZEGO codes before anything is sent', async () => {
    const connectionsBefore = server.connectionCount;
    const e = engine();
    const req = await e.checkSystemRequirements();
    assert.deepEqual([req.code, req.msg], [0, ''], 'ZEGO shape: code and msg');
    const reject = (p: Promise<unknown>, code: number) =>
      assert.rejects(p, (err: { code: number }) => err.code === code);
    await reject(e.loginRoom('', 't', { userID: 'u' }), 1002011);
    await reject(e.loginRoom('bad room id', 't', { userID: 'u' }), 1002012);
    await reject(e.loginRoom('r'.repeat(129), 't', { userID: 'u' }), 1002013);
    await reject(e.loginRoom('r', 't', { userID: '' }), 1002005);
    await reject(e.loginRoom('r', 't', { userID: 'has space' }), 1002006);
    await reject(e.loginRoom('r', 't', { userID: 'u'.repeat(65) }), 1002007);
    await reject(e.loginRoom('r', 't', { userID: 'u', userName: 'n'.repeat(257) }), 1002010);
    await reject(e.loginRoom('r', '', { userID: 'u' }), 1102016);
    await reject(e.startPublishingStream(''), 1000015);
    await reject(e.startPublishingStream('bad!id'), 1000016);
    await reject(e.startPublishingStream('s'.repeat(257)), 1000014);
    await reject(e.startPublishingStream('fine'), 1000002);
    assert.equal((await e.sendBroadcastMessage('r', 'x')).errorCode, 1000002);
    assert.equal((await e.sendBroadcastMessage('r', '')).errorCode, 1009001);
    assert.equal((await e.sendBroadcastMessage('r', 'x'.repeat(1025))).errorCode, 1009002);
    assert.equal((await e.sendBarrageMessage('r', '测'.repeat(342))).errorCode, 1009002);
    assert.equal((await e.setRoomExtraInfo('r', 'k'.repeat(11), 'v')).errorCode, 1002017);
    assert.equal((await e.setRoomExtraInfo('r', 'k', 'v'.repeat(129))).errorCode, 1002017);
    assert.equal((await e.sendCustomCommand('r', 'c', [])).errorCode, 1100001);
    assert.equal(server.connectionCount, connectionsBefore, 'no connection was opened for any of these');
    // multi-room rules
    await loginAs(e, 'mr', 'room-mr1');
    await reject(e.loginRoom('room-mr2', token('mr', 'room-mr2'), { userID: 'mr' }), 1002001);
    await reject(e.loginRoom('room-mr1', token('mr', 'room-mr1'), { userID: 'mr' }), 1002056);
    assert.equal(e.enableMultiRoom(true), false, 'only before the first login');
    const m = engine();
    assert.equal(m.enableMultiRoom(true), true);
    await loginAs(m, 'multi', 'room-mr1');
    await loginAs(m, 'multi', 'room-mr2');
    await reject(m.loginRoom('room-mr3', token('other', 'room-mr3'), { userID: 'other' }), 1002018);
  });
});

/** Flips a character in the middle of a token's base64 body. */
function tamper(t: string): string {
  const i = Math.floor(t.length / 2);
  const c = t[i] === 'A' ? 'B' : 'A';
  return t.slice(0, i) + c + t.slice(i + 1);
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MiniRtcServer } from '@minirtc/server';
import type { ZegoExpressEngine, ZegoStreamList } from '../src/index.js';
import { APP_ID, loginAs, makeEngine, startServer } from './helpers/integration.js';
import { once, record } from './helpers/once.js';

type StateEv = { streamID: string; state: string; errorCode: number };

describe('publish, play and messages against the real server', () => {
  let server: MiniRtcServer;
  const engines: ZegoExpressEngine[] = [];
  const engine = () => {
    const e = makeEngine(server).engine;
    engines.push(e);
    return e;
  };

  before(async () => {
    server = await startServer({ limits: { broadcastPerSecond: 3 } });
  });
  after(async () => {
    for (const e of engines) e.destroyEngine();
    await server.close();
  });

  it('publish: signed URL + PUBLISH_REQUESTING; live → others get ADD (publisher does not); gone → DELETE', async () => {
    const pub = engine();
    const sub = engine();
    await loginAs(pub, 'p1', 'room-pub');
    await loginAs(sub, 's1', 'room-pub');
    const pubStreams = record(pub, ['roomStreamUpdate']);
    const pubStates = record(pub, ['publisherStateUpdate']);
    const { streamID, url } = await pub.startPublishingStream('stream-p1', { extraInfo: 'hello' });
    assert.equal(streamID, 'stream-p1');
    assert.match(url, /^rtmp:\/\/[^/]+\/live\/stream-p1\?/);
    const q = new URL(url.replace(/^rtmp:/, 'http:')).searchParams;
    for (const k of ['appid', 'room', 'uid', 'sid', 'act', 'exp', 'sig'])
      assert.ok(q.get(k), `query has ${k}`);
    assert.equal(q.get('act'), 'push');
    assert.equal(q.get('uid'), 'p1');
    assert.deepEqual((pubStates[0]?.[1] as StateEv | undefined)?.state, 'PUBLISH_REQUESTING');
    // the room's list does not change until media is live
    assert.equal(server.roomStreams(APP_ID, 'room-pub').length, 0);

    const added = once<[string, string, ZegoStreamList[]]>(sub, 'roomStreamUpdate', (_r, t) => t === 'ADD');
    const publishing = once<[StateEv]>(pub, 'publisherStateUpdate', (s) => s.state === 'PUBLISHING');
    server.media.streamLive(APP_ID, 'stream-p1');
    const [, , list] = await added;
    assert.equal(list[0]?.streamID, 'stream-p1');
    assert.equal(list[0]?.user.userID, 'p1');
    assert.equal(list[0]?.extraInfo, 'hello');
    await publishing;

    // the player side: signed pull URL, state table for 3802/3803
    const playStates = record(sub, ['playerStateUpdate']);
    const play = await sub.startPlayingStream('stream-p1');
    assert.match(play.url, /^rtmp:\/\/.*stream-p1\?.*act=play/);
    sub.updatePlayerState('stream-p1', { detail: { code: 3802 } });
    sub.updatePlayerState('stream-p1', { detail: { code: 3803, message: 'pull broke' } });
    assert.deepEqual(
      playStates.map((e) => [(e[1] as StateEv).state, (e[1] as StateEv).errorCode !== 0]),
      [
        ['PLAY_REQUESTING', false],
        ['PLAYING', false],
        ['NO_PLAY', true],
      ],
    );
    // 3800 / 3801 on the publisher; the server hears them for the timeline
    const timeline = once<[{ streamID: string; code: number; state: string; userID: string }]>(
      server as never,
      'mediaState',
      (e) => e.code === 3801,
    );
    pub.updatePlayerState('stream-p1', { detail: { code: 3801 } });
    const [ms] = await timeline;
    assert.deepEqual([ms.streamID, ms.state, ms.userID], ['stream-p1', 'NO_PUBLISH', 'p1']);
    assert.equal((pubStates.at(-1)?.[1] as StateEv | undefined)?.state, 'NO_PUBLISH');
    pub.updatePlayerState('stream-p1', { detail: { code: 3800 } });
    assert.equal((pubStates.at(-1)?.[1] as StateEv | undefined)?.state, 'PUBLISHING');

    const removed = once<[string, string, ZegoStreamList[]]>(
      sub,
      'roomStreamUpdate',
      (_r, t) => t === 'DELETE',
    );
    server.media.streamGone(APP_ID, 'stream-p1', 'normal');
    assert.equal((await removed)[2][0]?.streamID, 'stream-p1');
    assert.deepEqual(pubStreams, [], 'a publisher never hears of its own stream');
  });

  it('a late joiner gets the live streams as ADD; stopPublishingStream → DELETE', async () => {
    const pub = engine();
    await loginAs(pub, 'p2', 'room-late');
    await pub.startPublishingStream('stream-p2');
    const live = once(server as never, 'streamLive');
    server.media.streamLive(APP_ID, 'stream-p2');
    await live;
    const late = engine();
    const gotIt = once<[string, string, ZegoStreamList[]]>(late, 'roomStreamUpdate', (_r, t) => t === 'ADD');
    await loginAs(late, 'late', 'room-late');
    assert.equal((await gotIt)[2][0]?.streamID, 'stream-p2');
    const gone = once<[string, string, ZegoStreamList[]]>(
      late,
      'roomStreamUpdate',
      (_r, t) => t === 'DELETE',
    );
    assert.equal(pub.stopPublishingStream('stream-p2'), true);
    assert.equal((await gone)[2][0]?.streamID, 'stream-p2');
    assert.equal(pub.stopPublishingStream('stream-p2'), false);
  });

  it('a streamID published by another user is refused (1003028)', async () => {
    const a = engine();
    const b = engine();
    await loginAs(a, 'own1', 'room-dup');
    await loginAs(b, 'own2', 'room-dup');
    await a.startPublishingStream('taken-id');
    await assert.rejects(b.startPublishingStream('taken-id'), (e: { code: number }) => e.code === 1003028);
  });

  it('messages both ways: broadcast, barrage, custom command, room and stream extra info', async () => {
    const a = engine();
    const b = engine();
    await loginAs(a, 'ma', 'room-msg');
    await loginAs(b, 'mb', 'room-msg');
    const aOwn = record(a, ['IMRecvBroadcastMessage']);

    const bc = once<[string, { fromUser: { userID: string }; message: string; messageID: number }[]]>(
      b,
      'IMRecvBroadcastMessage',
    );
    const r1 = await a.sendBroadcastMessage('room-msg', '大家好');
    assert.equal(r1.errorCode, 0);
    assert.equal(typeof r1.messageID, 'number');
    const [, msgs] = await bc;
    assert.equal(msgs[0]?.messageID, r1.messageID);
    assert.deepEqual([msgs[0]?.fromUser.userID, msgs[0]?.message], ['ma', '大家好']);
    assert.equal(typeof msgs[0]?.messageID, 'number');

    const bar = once<[string, { message: string; messageID: string }[]]>(a, 'IMRecvBarrageMessage');
    const r2 = await b.sendBarrageMessage('room-msg', 'barrage!');
    assert.equal(r2.errorCode, 0);
    assert.equal(typeof r2.messageID, 'string');
    const [, bars] = await bar;
    assert.equal(bars[0]?.message, 'barrage!');
    assert.equal(typeof bars[0]?.messageID, 'string');

    const cmd = once<[string, { userID: string }, string]>(a, 'IMRecvCustomCommand');
    assert.equal((await b.sendCustomCommand('room-msg', '{"op":1}', ['ma'])).errorCode, 0);
    const [, from, command] = await cmd;
    assert.deepEqual([from.userID, command], ['mb', '{"op":1}']);
    assert.equal((await b.sendCustomCommand('room-msg', 'x', ['nobody'])).errorCode, 1990060);

    const extra = once<[string, { key: string; value: string; updateUser: { userID: string } }[]]>(
      b,
      'roomExtraInfoUpdate',
    );
    assert.equal((await a.setRoomExtraInfo('room-msg', 'topic', 'call')).errorCode, 0);
    const [, items] = await extra;
    assert.deepEqual([items[0]?.key, items[0]?.value, items[0]?.updateUser.userID], ['topic', 'call', 'ma']);
    // ZEGO's reliable messages ride on room extra info: either API sends, both events arrive.
    const reliable = once<[string, string, string]>(b, 'recvReliableMessage', (_r, type) => type === 'seat');
    assert.equal((await a.sendReliableMessage('seat', '3')).errorCode, 0);
    assert.deepEqual(await reliable, ['room-msg', 'seat', '3']);
    assert.equal(
      b.on('noSuchEvent' as 'roomStateUpdate', () => {}),
      false,
      'unknown events are refused',
    );

    await a.startPublishingStream('stream-ma');
    const live = once(b, 'roomStreamUpdate');
    server.media.streamLive(APP_ID, 'stream-ma');
    await live;
    const sx = once<[string, { streamID: string; extraInfo: string }[]]>(b, 'streamExtraInfoUpdate');
    assert.equal((await a.setStreamExtraInfo('stream-ma', 'muted')).errorCode, 0);
    assert.deepEqual(
      (await sx)[1].map((s) => [s.streamID, s.extraInfo]),
      [['stream-ma', 'muted']],
    );
    assert.equal((await b.setStreamExtraInfo('stream-ma', 'hijack')).errorCode, 1990042, 'not the owner');

    assert.deepEqual(aOwn, [], 'a broadcast is not echoed to its sender');
  });

  it('limits: over-long messages fail locally, the room broadcast rate is enforced by the server (1002073)', async () => {
    const a = engine();
    const t0 = performance.now(); // the room (and its bucket: 3/s, burst 3) is created by this login
    await loginAs(a, 'rate', 'room-rate');
    assert.equal((await a.sendBroadcastMessage('room-rate', 'x'.repeat(1025))).errorCode, 1009002);
    assert.equal((await a.sendBroadcastMessage('room-rate', 'x'.repeat(1024))).errorCode, 0);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => a.sendBroadcastMessage('room-rate', `m${i}`)),
    );
    const elapsedS = (performance.now() - t0) / 1000;
    const codes = results.map((r) => r.errorCode);
    assert.deepEqual(
      codes.filter((c) => c !== 0 && c !== 1002073),
      [],
      `only accepted or 1002073: ${codes}`,
    );
    // Token bucket: 3 at first, +3 per second, 1 already spent: at least 2 and at most 2 + 3 × elapsed pass.
    const accepted = codes.filter((c) => c === 0).length;
    assert.ok(accepted >= 2, `${codes}`);
    assert.ok(
      accepted <= Math.min(8, Math.floor(2 + 3 * elapsedS)),
      `${accepted} in ${elapsedS.toFixed(2)} s: ${codes}`,
    );
  });
});

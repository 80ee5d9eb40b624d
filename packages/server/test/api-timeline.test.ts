import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ZegoExpressEngine, createNodePlatform } from '@minirtc/sdk';
import type { MiniRtcServer } from '../src/server.js';
import type { Db } from '../src/store/database.js';
import { ErrorCode } from '@minirtc/protocol';
import { APP_ID, Client, event, token } from './helpers.js';
import { type Json, admin, signed, startOpsServer, stopOpsServer } from './ops-helpers.js';

describe('API: call timeline', () => {
  let s: { server: MiniRtcServer; db: Db };
  before(async () => {
    s = await startOpsServer();
  });
  after(() => stopOpsServer(s));

  const engine = (): ZegoExpressEngine =>
    new ZegoExpressEngine(APP_ID, s.server.wsUrl, {
      platform: createNodePlatform(),
      log: { logLevel: 'disable', remoteLogLevel: 'disable' },
    });

  it('a refused login is in the timeline with its code and the user it claimed to be', async () => {
    const c = await Client.open(s.server.wsUrl);
    const res = await c.req('login', {
      appID: APP_ID,
      roomID: 'tl-bad',
      token: token('someone-else', { roomID: 'tl-bad' }),
      user: { userID: 'tl-bad-u' },
    });
    assert.equal(res.code, ErrorCode.TOKEN_USER_MISMATCH);
    const tl = (await admin(s.server, 'GET', `/apps/${APP_ID}/timeline?userID=tl-bad-u`)).body
      .events as Json[];
    assert.deepEqual(
      tl.map((e) => [e.type, e.roomID, e.detail.code]),
      [['request.login', 'tl-bad', ErrorCode.TOKEN_USER_MISMATCH]],
    );
    c.close();
  });

  it('records signaling, <rtc-room> states, media events and requests per room and user, in order', async () => {
    const pub = engine();
    const sub = engine();
    try {
      await pub.loginRoom('tl', token('tl-pub', { roomID: 'tl' }), { userID: 'tl-pub', userName: 'P' });
      await sub.loginRoom('tl', token('tl-sub', { roomID: 'tl' }), { userID: 'tl-sub', userName: 'S' });
      await pub.startPublishingStream('tl-s');
      s.server.media.streamLive(APP_ID, 'tl-s');
      s.server.reportMedia({
        appID: APP_ID,
        roomID: 'tl',
        userID: 'tl-pub',
        streamID: 'tl-s',
        kind: 'publishStart',
        protocol: 'rtmp',
      });
      await sub.startPlayingStream('tl-s');
      // The app forwards <rtc-room>'s onRtmpEvent; the SDK reports it to the server as mediaState.
      const reported = event(s.server, 'mediaState');
      sub.updatePlayerState('tl-s', { detail: { code: 2004 } });
      await reported;
      const gone = event(s.server, 'logout');
      await pub.logoutRoom('tl');
      await gone;

      const all = (await signed(s.server, 'GET', `/apps/${APP_ID}/timeline?roomID=tl`)).body.events as Json[];
      const kinds = all.map((e) => `${e.type}:${e.userID ?? ''}`);
      const order = [
        'room.create:',
        'login:tl-pub',
        'request.login:tl-pub',
        'login:tl-sub',
        'request.publish:tl-pub',
        'stream.live:tl-pub',
        'media.publishStart:tl-pub',
        'request.play:tl-sub',
        'sdk.mediaState:tl-sub',
        'stream.gone:tl-pub',
        'logout:tl-pub',
      ];
      let at = -1;
      for (const k of order) {
        const i = kinds.indexOf(k, at + 1);
        assert.ok(i > at, `${k} after position ${at} in ${kinds.join(', ')}`);
        at = i;
      }
      const seqs = all.map((e) => e.seq as number);
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => a - b),
      );
      const ms = all.find((e) => e.type === 'sdk.mediaState');
      assert.equal(ms?.detail.code, 2004);
      assert.equal(ms?.streamID, 'tl-s');
      assert.equal(all.find((e) => e.type === 'logout')?.detail.reason, 'logout');

      const mine = (await admin(s.server, 'GET', `/apps/${APP_ID}/timeline?userID=tl-sub`)).body
        .events as Json[];
      assert.ok(mine.length > 0 && mine.every((e) => e.userID === 'tl-sub'));
      const page = (
        await admin(s.server, 'GET', `/apps/${APP_ID}/timeline?roomID=tl&afterSeq=${seqs[2]}&limit=2`)
      ).body.events as Json[];
      assert.deepEqual(
        page.map((e) => e.seq),
        seqs.slice(3, 5),
      );
      assert.equal((await admin(s.server, 'GET', `/apps/${APP_ID}/timeline?limit=x`)).status, 400);
      const tooMany = await admin(s.server, 'GET', `/apps/${APP_ID}/timeline?limit=5001`);
      assert.equal(tooMany.status, 400);
      assert.match(tooMany.body.message, /query\.limit/);
    } finally {
      pub.destroyEngine();
      sub.destroyEngine();
    }
  });
});

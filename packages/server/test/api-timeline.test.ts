import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ZegoExpressEngine, createNodePlatform } from '@minirtc/sdk';
import { ErrorCode } from '@minirtc/protocol';
import { APP_ID, Client, event, token } from './helpers.js';
import {
  BACKENDS,
  type Json,
  type OpsServer,
  admin,
  signed,
  startOpsServer,
  stopOpsServer,
  stopTestPostgres,
} from './ops-helpers.js';

after(() => stopTestPostgres());

for (const backend of BACKENDS) {
  describe(`API (${backend}): call timeline`, () => {
    let s: OpsServer;
    before(async () => {
      s = await startOpsServer({ backend });
    });
    after(() => stopOpsServer(s));

    const engine = (): ZegoExpressEngine =>
      new ZegoExpressEngine(APP_ID, s.server.wsUrl, {
        platform: createNodePlatform(),
        log: { logLevel: 'disable', remoteLogLevel: 'disable' },
      });

    it('refused logins are aggregated per source and minute, with the precise reason the client never sees', async () => {
      const c = await Client.open(s.server.wsUrl);
      for (let i = 0; i < 3; i++) {
        const res = await c.req('login', {
          appID: APP_ID,
          roomID: 'tl-bad',
          token: token('someone-else', { roomID: 'tl-bad' }),
          user: { userID: 'tl-bad-u' },
        });
        assert.equal(res.code, ErrorCode.TOKEN_MALFORMED);
        assert.equal(res.message, 'token is invalid', 'the reply does not say what failed');
      }
      const tl = (await admin(s.server, 'GET', `/apps/${APP_ID}/timeline`)).body.events as Json[];
      const rows = tl.filter((e) => e.type === 'login.failed');
      assert.equal(rows.length, 1, 'one row for three failures');
      assert.equal(rows[0]?.detail.source, '127.0.0.1');
      assert.equal(rows[0]?.detail.count, 3);
      assert.deepEqual(rows[0]?.detail.codes, { [ErrorCode.TOKEN_MALFORMED]: 3 });
      assert.deepEqual(rows[0]?.detail.reasons, { 'token was made for another userID': 3 });
      assert.deepEqual(rows[0]?.detail.users, ['tl-bad-u']);
      assert.equal(tl.filter((e) => e.type === 'request.login').length, 0);
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

        const all = (await signed(s.server, 'GET', `/apps/${APP_ID}/timeline?roomID=tl`)).body
          .events as Json[];
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
}

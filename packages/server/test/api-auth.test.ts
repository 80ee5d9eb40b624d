import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@minirtc/protocol';
import { APP_ID, OTHER_APP_ID, OTHER_SECRET, SECRET } from './helpers.js';
import {
  BACKENDS,
  type OpsServer,
  action,
  admin,
  signParams,
  signed,
  startOpsServer,
  stopOpsServer,
  stopTestPostgres,
} from './ops-helpers.js';

after(() => stopTestPostgres());

for (const backend of BACKENDS) {
  describe(`API auth (${backend})`, () => {
    let s: OpsServer;
    before(async () => {
      s = await startOpsServer({ backend });
    });
    after(() => stopOpsServer(s));

    it('admin key: good → 200, wrong → 401 1990073, absent → signature required (401 1990070)', async () => {
      const ok = await admin(s.server, 'GET', '/apps');
      assert.equal(ok.status, 200);
      assert.deepEqual(
        ok.body.apps.map((a: { appID: number }) => a.appID),
        [APP_ID, OTHER_APP_ID].sort((a, b) => a - b),
      );
      const bad = await admin(s.server, 'GET', '/apps', undefined, 'wrong-key');
      assert.equal(bad.status, 401);
      assert.equal(bad.body.code, ErrorCode.API_ADMIN_KEY_INVALID);
      const none = await fetch(`${s.server.httpUrl}/api/v1/apps`);
      assert.equal(none.status, 401);
      assert.equal(((await none.json()) as { code: number }).code, ErrorCode.API_SIGNATURE_INVALID);
    });

    it('app signature: good, bad, stale, replayed, other app, unknown app', async () => {
      const good = await signed(s.server, 'GET', `/apps/${APP_ID}`);
      assert.equal(good.status, 200);
      assert.equal(good.body.appID, APP_ID);
      assert.equal(good.body.serverSecret, undefined, 'secrets only for the admin');

      const wrongSecret = await signed(
        s.server,
        'GET',
        `/apps/${APP_ID}`,
        undefined,
        signParams(APP_ID, OTHER_SECRET),
      );
      assert.equal(wrongSecret.status, 401);
      assert.equal(wrongSecret.body.code, ErrorCode.API_SIGNATURE_INVALID);

      const tampered = signParams();
      tampered.set('Timestamp', String(Number(tampered.get('Timestamp')) + 1));
      assert.equal(
        (await signed(s.server, 'GET', `/apps/${APP_ID}`, undefined, tampered)).body.code,
        ErrorCode.API_SIGNATURE_INVALID,
      );

      const now = Math.floor(Date.now() / 1000);
      const stale = await signed(
        s.server,
        'GET',
        `/apps/${APP_ID}`,
        undefined,
        signParams(APP_ID, SECRET, { timestamp: now - 601 }),
      );
      assert.equal(stale.status, 401);
      assert.equal(stale.body.code, ErrorCode.API_TIMESTAMP_STALE);
      const future = await signed(
        s.server,
        'GET',
        `/apps/${APP_ID}`,
        undefined,
        signParams(APP_ID, SECRET, { timestamp: now + 700 }),
      );
      assert.equal(future.body.code, ErrorCode.API_TIMESTAMP_STALE);
      // Inside the window on either side is fine.
      assert.equal(
        (
          await signed(
            s.server,
            'GET',
            `/apps/${APP_ID}`,
            undefined,
            signParams(APP_ID, SECRET, { timestamp: now - 550 }),
          )
        ).status,
        200,
      );

      const p = signParams(APP_ID, SECRET, { nonce: 'abcdef0123456789' });
      assert.equal(
        (await signed(s.server, 'GET', `/apps/${APP_ID}`, undefined, new URLSearchParams(p))).status,
        200,
      );
      const replay = await signed(s.server, 'GET', `/apps/${APP_ID}`, undefined, new URLSearchParams(p));
      assert.equal(replay.status, 401);
      assert.equal(replay.body.code, ErrorCode.API_NONCE_REPLAYED);
      // The same nonce is another app's own business.
      const otherSameNonce = signParams(OTHER_APP_ID, OTHER_SECRET, { nonce: 'abcdef0123456789' });
      assert.equal(
        (await signed(s.server, 'GET', `/apps/${OTHER_APP_ID}`, undefined, otherSameNonce)).status,
        200,
      );

      const cross = await signed(s.server, 'GET', `/apps/${OTHER_APP_ID}`);
      assert.equal(cross.status, 403);
      assert.equal(cross.body.code, ErrorCode.API_APP_FORBIDDEN);
      const adminOnly = await signed(s.server, 'GET', '/apps');
      assert.equal(adminOnly.status, 403);
      assert.equal(adminOnly.body.code, ErrorCode.API_APP_FORBIDDEN);

      const unknown = await signed(s.server, 'GET', '/apps/999', undefined, signParams(999, SECRET));
      assert.equal(unknown.status, 401);
      assert.equal(unknown.body.code, ErrorCode.API_SIGNATURE_INVALID);
    });

    it('a refused nonce (bad signature) is not burnt; a replay is refused after a restart too', async () => {
      const p = signParams(APP_ID, SECRET, { nonce: 'feedfacecafebeef' });
      const forged = new URLSearchParams(p);
      forged.set('Signature', '0'.repeat(32));
      assert.equal(
        (await signed(s.server, 'GET', `/apps/${APP_ID}`, undefined, forged)).body.code,
        ErrorCode.API_SIGNATURE_INVALID,
      );
      assert.equal(
        (await signed(s.server, 'GET', `/apps/${APP_ID}`, undefined, new URLSearchParams(p))).status,
        200,
      );
      assert.equal(
        (await signed(s.server, 'GET', `/apps/${APP_ID}`, undefined, new URLSearchParams(p))).body.code,
        ErrorCode.API_NONCE_REPLAYED,
      );
    });

    it('ZEGO form: same checks, answered { Code, Message, RequestId } with HTTP 200', async () => {
      const ok = await action(s.server, 'DescribeUserNum', { RoomId: ['nobody-here'] });
      assert.equal(ok.Code, 0);
      assert.match(ok.RequestId, /^\d+$/);
      assert.deepEqual(ok.Data, {
        UserCountList: [{ RoomId: 'nobody-here', UserCount: 0, AdminUserCount: 0 }],
      });
      const bad = await action(
        s.server,
        'DescribeUserNum',
        { RoomId: ['r'] },
        signParams(APP_ID, OTHER_SECRET),
      );
      assert.equal(bad.Code, ErrorCode.API_SIGNATURE_INVALID);
      const p = signParams();
      assert.equal(
        (await action(s.server, 'DescribeUserNum', { RoomId: ['r'] }, new URLSearchParams(p))).Code,
        0,
      );
      assert.equal(
        (await action(s.server, 'DescribeUserNum', { RoomId: ['r'] }, new URLSearchParams(p))).Code,
        ErrorCode.API_NONCE_REPLAYED,
      );
      const stale = signParams(APP_ID, SECRET, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
      assert.equal(
        (await action(s.server, 'DescribeUserNum', { RoomId: ['r'] }, stale)).Code,
        ErrorCode.API_TIMESTAMP_STALE,
      );
      assert.equal((await action(s.server, 'NoSuchAction')).Code, ErrorCode.API_NOT_FOUND);
    });

    it('unknown endpoint 404 1990076, wrong method 405, bad body 400', async () => {
      const r = await admin(s.server, 'GET', '/nope');
      assert.equal(r.status, 404);
      assert.equal(r.body.code, ErrorCode.API_NOT_FOUND);
      const m = await admin(s.server, 'PUT', '/apps');
      assert.equal(m.status, 405);
      const b = await admin(s.server, 'POST', '/apps', { name: 42 });
      assert.equal(b.status, 400);
      assert.equal(b.body.code, ErrorCode.INVALID_PARAM);
      assert.match(b.body.message, /body\.name/);
      const missing = await admin(s.server, 'GET', '/apps/424242');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.code, ErrorCode.API_APP_NOT_FOUND);
    });
  });
}

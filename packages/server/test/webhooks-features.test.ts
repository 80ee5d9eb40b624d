import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@minirtc/protocol';
import { verifyWebhookSignature, webhookSignature } from '../src/webhooks/signature.js';
import { APP_ID, Client, event, loginClient, token } from './helpers.js';
import {
  BACKENDS,
  type Json,
  type OpsServer,
  Receiver,
  admin,
  signed,
  startOpsServer,
  stopOpsServer,
  stopTestPostgres,
} from './ops-helpers.js';

after(() => stopTestPostgres());

for (const backend of BACKENDS) {
  describe(`webhooks (${backend}): reasons, per-room blocking, replay, test event`, () => {
    const receiver = new Receiver();
    let s: OpsServer;
    before(async () => {
      await receiver.up();
      s = await startOpsServer({
        callbackUrl: receiver.url,
        webhooks: { retryBaseMs: 10, retryMaxMs: 50 },
        resumeGraceMs: 400,
        backend,
      });
    });
    after(async () => {
      await stopOpsServer(s);
      await receiver.down();
    });

    const closeOf = (streamID: string) =>
      receiver
        .until(
          (g) =>
            g.some(
              (r) => r.status === 200 && r.body.event === 'stream_close' && r.body.stream_id === streamID,
            ),
          `stream_close ${streamID}`,
        )
        .then(
          () =>
            receiver.got.find((r) => r.body.event === 'stream_close' && r.body.stream_id === streamID)
              ?.body as Json,
        );

    async function live(userID: string, roomID: string, streamID: string): Promise<Client> {
      const { c } = await loginClient(s.server, userID, roomID);
      assert.equal((await c.req('publish', { roomID, streamID })).code, 0);
      s.server.media.streamLive(APP_ID, streamID);
      return c;
    }

    it('the signature is ZEGO’s: sha1 of the sorted [secret, timestamp, nonce]', () => {
      // Sorted as strings: '123' < '456' < 'secret'.
      assert.equal(
        webhookSignature('secret', '123', '456'),
        createHash('sha1').update('123456secret').digest('hex'),
      );
      assert.equal(webhookSignature('secret', '123', '456'), webhookSignature('456', 'secret', '123'));
      assert.equal(
        verifyWebhookSignature('secret', {
          timestamp: '123',
          nonce: '456',
          signature: webhookSignature('secret', '123', '456'),
        }),
        true,
      );
      assert.equal(
        verifyWebhookSignature('secret', {
          timestamp: '124',
          nonce: '456',
          signature: webhookSignature('secret', '123', '456'),
        }),
        false,
      );
    });

    it('stream_close and room_logout reasons: normal, kicked, closed, replaced, heartbeat_timeout', async () => {
      const n = await live('rs-n', 'r-reasons', 'st-normal');
      assert.equal((await n.req('stopPublish', { roomID: 'r-reasons', streamID: 'st-normal' })).code, 0);
      assert.equal((await closeOf('st-normal')).reason, 'normal');

      await live('rs-k', 'r-reasons', 'st-kicked');
      assert.equal(
        (await signed(s.server, 'POST', `/apps/${APP_ID}/rooms/r-reasons/kick`, { userIDs: ['rs-k'] }))
          .status,
        200,
      );
      assert.equal((await closeOf('st-kicked')).reason, 'kicked');

      await live('rs-c', 'r-reasons', 'st-closed');
      assert.equal((await signed(s.server, 'DELETE', `/apps/${APP_ID}/streams/st-closed`)).status, 200);
      assert.equal((await closeOf('st-closed')).reason, 'closed');

      await live('rs-r', 'r-reasons', 'st-replaced');
      const again = await Client.open(s.server.wsUrl);
      assert.equal(
        (
          await again.req('login', {
            appID: APP_ID,
            roomID: 'r-reasons',
            token: token('rs-r', { roomID: 'r-reasons' }),
            user: { userID: 'rs-r' },
          })
        ).code,
        0,
      );
      assert.equal((await closeOf('st-replaced')).reason, 'replaced');

      await live('rs-h', 'r-reasons', 'st-grace');
      assert.ok(s.server.dropConnection(APP_ID, 'rs-h'));
      const hb = await closeOf('st-grace');
      assert.equal(hb.reason, 'heartbeat_timeout');
      await receiver.until((g) =>
        g.some((r) => r.body.event === 'room_logout' && r.body.user_account === 'rs-h'),
      );
      const logout = receiver.got.find(
        (r) => r.body.event === 'room_logout' && r.body.user_account === 'rs-h',
      )?.body;
      assert.equal(logout?.reason, 'heartbeat_timeout');
      assert.equal(logout?.detail, 'grace');
      assert.equal(
        receiver.got.find((r) => r.body.event === 'room_logout' && r.body.user_account === 'rs-k')?.body
          .reason,
        'kicked',
      );
    });

    it('a silent takeover within the grace window sends no second room_login (the user never left)', async () => {
      const { c: first } = await loginClient(s.server, 'take-u', 'r-take');
      const detached = event(s.server, 'sessionDetached');
      assert.ok(s.server.dropConnection(APP_ID, 'take-u'));
      await detached;
      const { c: second } = await loginClient(s.server, 'take-u', 'r-take');
      assert.equal((await second.req('logout', { roomID: 'r-take' })).code, 0);
      // Per-room order: once the logout is delivered, any second login would have been delivered before it.
      await receiver.until((g) =>
        g.some((r) => r.body.event === 'room_logout' && r.body.user_account === 'take-u'),
      );
      const mine = receiver.got
        .filter((r) => r.body.user_account === 'take-u' && r.status === 200)
        .map((r) => r.body.event);
      assert.deepEqual(mine, ['room_login', 'room_logout']);
      first.close();
    });

    it('a failing room blocks only itself; others are delivered meanwhile; then it catches up in order', async () => {
      receiver.decide = (b) => (b.room_id === 'r-stuck' ? 500 : 200);
      // The first attempt of this room (an earlier test's last events may still be on their way).
      const first = new Promise<{ ok: boolean; roomKey: string }>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no attempt for r-stuck')), 10_000);
        const on = (a: { ok: boolean; roomKey: string }): void => {
          if (a.roomKey !== `${APP_ID}/r-stuck`) return;
          clearTimeout(t);
          s.server.off('webhookAttempt', on);
          resolve(a);
        };
        s.server.on('webhookAttempt', on);
      });
      const { c: x } = await loginClient(s.server, 'stuck-u', 'r-stuck');
      const stuck = await first;
      assert.equal(stuck.ok, false);
      assert.equal(stuck.roomKey, `${APP_ID}/r-stuck`);
      await loginClient(s.server, 'free-u', 'r-free');
      await receiver.until(
        (g) =>
          g.some((r) => r.status === 200 && r.body.event === 'room_login' && r.body.room_id === 'r-free'),
        'r-free delivered',
      );
      // r-stuck's head (room_create) keeps failing, so its room_login has not even been tried.
      assert.equal(
        receiver.got.some((r) => r.body.room_id === 'r-stuck' && r.body.event !== 'room_create'),
        false,
      );
      await receiver.until(
        (g) => g.filter((r) => r.body.room_id === 'r-stuck').length >= 3,
        'r-stuck retried',
      );
      assert.equal(
        receiver.got.some((r) => r.body.room_id === 'r-stuck' && r.body.event !== 'room_create'),
        false,
      );
      receiver.decide = null;
      await receiver.until((g) =>
        g.some((r) => r.status === 200 && r.body.event === 'room_login' && r.body.room_id === 'r-stuck'),
      );
      const order = receiver.got
        .filter((r) => r.body.room_id === 'r-stuck' && r.status === 200)
        .map((r) => r.body.event);
      assert.deepEqual(order, ['room_create', 'room_login']);
      x.close();
    });

    it('replay by id and by time range re-sends with the same ids; the test event arrives signed', async () => {
      const t = await signed(s.server, 'POST', `/apps/${APP_ID}/webhooks/test`);
      assert.equal(t.status, 200);
      await receiver.until((g) => g.some((r) => r.status === 200 && r.body.id === t.body.id), 'test event');
      const test = receiver.got.find((r) => r.body.id === t.body.id)?.body as Json;
      assert.equal(test.event, 'test');
      assert.ok(verifyWebhookSignature(s.apps.get(APP_ID)?.callbackSecret as string, test));

      const before = receiver.got.filter((r) => r.body.id === t.body.id).length;
      const rep = await signed(s.server, 'POST', `/apps/${APP_ID}/webhooks/replay`, {
        eventIds: [t.body.id],
      });
      assert.deepEqual(rep.body.replayed, [t.body.id]);
      await receiver.until(
        (g) => g.filter((r) => r.body.id === t.body.id).length === before + 1,
        'replayed test',
      );

      const from = Date.now();
      await loginClient(s.server, 'range-u', 'r-range');
      await receiver.until((g) =>
        g.some((r) => r.status === 200 && r.body.room_id === 'r-range' && r.body.event === 'room_login'),
      );
      const range = await admin(s.server, 'POST', `/apps/${APP_ID}/webhooks/replay`, {
        from,
        to: Date.now(),
      });
      const rangeIds = range.body.replayed as string[];
      assert.ok(rangeIds.length >= 2);
      await receiver.until(
        (g) => rangeIds.every((id) => g.filter((r) => r.body.id === id && r.status === 200).length >= 2),
        'range replayed',
      );

      const log = (await admin(s.server, 'GET', `/apps/${APP_ID}/webhooks/deliveries?eventId=${t.body.id}`))
        .body.deliveries as Json[];
      assert.equal(log.length, before + 1);
      assert.ok(log.every((d) => d.eventId === t.body.id && d.status === 'ok'));
      assert.equal((await admin(s.server, 'POST', `/apps/${APP_ID}/webhooks/replay`, {})).status, 400);

      // The timeline shows deliveries under their room.
      const tl = (await admin(s.server, 'GET', `/apps/${APP_ID}/timeline?roomID=r-range`)).body
        .events as Json[];
      assert.ok(tl.some((e) => e.type === 'webhook' && e.detail.event === 'room_login' && e.detail.ok));
    });

    it('no callback URL: test refused with 1990078, nothing queued', async () => {
      const app = (await admin(s.server, 'POST', '/apps', { name: 'silent' })).body;
      const r = await admin(s.server, 'POST', `/apps/${app.appID}/webhooks/test`);
      assert.equal(r.status, 400);
      assert.equal(r.body.code, ErrorCode.WEBHOOK_NO_CALLBACK_URL);
      assert.deepEqual((await admin(s.server, 'GET', `/apps/${app.appID}/webhooks/events`)).body.events, []);
    });
  });
}

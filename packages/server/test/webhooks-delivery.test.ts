import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { MiniRtcServer } from '../src/server.js';
import type { Db } from '../src/store/database.js';
import type { SqliteAppStore } from '../src/store/sqlite-app-store.js';
import { verifyWebhookSignature } from '../src/webhooks/signature.js';
import { APP_ID, event, loginClient, token } from './helpers.js';
import { type Json, Receiver, admin, startOpsServer, stopOpsServer } from './ops-helpers.js';

type Attempt = { ok: boolean; error: string | null; status: number | null; roomKey: string };

describe('webhooks: at least once, in order per room, across a receiver outage and a server restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-hooks-'));
  const dbPath = join(dir, 'minirtc.db');
  const receiver = new Receiver();
  let s: { server: MiniRtcServer; apps: SqliteAppStore; db: Db } | null = null;
  after(async () => {
    if (s) await stopOpsServer(s);
    await receiver.down();
  });

  it('delivers every event (refused, then 500, then restart, then 200)', async () => {
    await receiver.up();
    const url = receiver.url;
    await receiver.down(); // connection refused from now on
    const webhooks = { retryBaseMs: 20, retryMaxMs: 150 };
    s = await startOpsServer({ dbPath, callbackUrl: url, webhooks });
    const first = s.server;

    // Room wa: a full little call. Room wb: a publisher that is still there at shutdown.
    const { c: a } = await loginClient(first, 'wa-a', 'wa');
    const { c: b } = await loginClient(first, 'wa-b', 'wa');
    assert.equal((await b.req('publish', { roomID: 'wa', streamID: 'wa-s' })).code, 0);
    first.media.streamLive(APP_ID, 'wa-s');
    assert.equal(
      (await b.req('renewToken', { roomID: 'wa', token: token('wa-b', { roomID: 'wa' }) })).code,
      0,
    );
    assert.equal((await b.req('stopPublish', { roomID: 'wa', streamID: 'wa-s' })).code, 0);
    assert.equal((await b.req('logout', { roomID: 'wa' })).code, 0);
    const { c } = await loginClient(first, 'wb-c', 'wb');
    assert.equal((await c.req('publish', { roomID: 'wb', streamID: 'wb-s' })).code, 0);
    first.media.streamLive(APP_ID, 'wb-s');

    // The receiver is down: attempts fail (category connection_refused) and are retried.
    const refused = await event<Attempt>(first, 'webhookAttempt');
    assert.equal(refused.ok, false);
    assert.equal(refused.error, 'connection_refused');
    const retried = await event<Attempt>(first, 'webhookAttempt');
    assert.equal(retried.ok, false);

    // Up, but failing: 500s, still retried.
    receiver.mode = 'fail';
    await receiver.up();
    await receiver.until((g) => g.some((r) => r.status === 500), 'a 500');
    await receiver.until((g) => g.filter((r) => r.status === 500).length >= 3, 'retries after a 500');

    // Restart in the middle of it. Shutdown ends the sessions: their logouts and closes are queued too.
    a.close();
    await stopOpsServer(s);
    s = null;
    receiver.mode = 'ok';
    s = await startOpsServer({ dbPath, callbackUrl: url, webhooks });
    const events = (await admin(s.server, 'GET', `/apps/${APP_ID}/webhooks/events?limit=1000`)).body
      .events as Json[];
    const ids = events.map((e) => e.id as string);
    assert.equal(new Set(ids).size, ids.length, 'unique event ids');
    const names = (room: string): string[] =>
      events.filter((e) => e.payload.room_id === room).map((e) => e.event);
    assert.deepEqual(names('wa'), [
      'room_create',
      'room_login',
      'room_login',
      'stream_create',
      'token_renew',
      'stream_close',
      'room_logout',
      'room_logout',
      'room_close',
    ]);
    assert.deepEqual(names('wb'), [
      'room_create',
      'room_login',
      'stream_create',
      'stream_close',
      'room_logout',
      'room_close',
    ]);

    await receiver.until(
      (g) => ids.every((id) => g.some((r) => r.status === 200 && r.body.id === id)),
      'every event delivered',
    );

    // In order per room: requests for a room never go back to an earlier event (a failing head blocks).
    const seqOf = new Map(events.map((e) => [e.id as string, e.seq as number]));
    for (const room of ['wa', 'wb']) {
      const seqs = receiver.got
        .filter((r) => r.body.room_id === room)
        .map((r) => seqOf.get(r.body.id) as number);
      assert.deepEqual(
        seqs,
        [...seqs].sort((x, y) => x - y),
        `room ${room} in order`,
      );
      const firstOk = receiver.got
        .filter((r) => r.status === 200 && r.body.room_id === room)
        .map((r) => r.body.id);
      assert.deepEqual(
        firstOk,
        events.filter((e) => e.payload.room_id === room).map((e) => e.id),
      );
    }

    // Every request is signed with the app's CallbackSecret (ZEGO's sha1 scheme).
    const secret = s.apps.get(APP_ID)?.callbackSecret as string;
    for (const r of receiver.got)
      assert.ok(verifyWebhookSignature(secret, r.body), `signature of ${r.body.event}`);
    assert.equal(verifyWebhookSignature('wrong', receiver.got[0]?.body ?? {}), false);

    const byEvent = (e: string, room: string) =>
      receiver.got.find((r) => r.body.event === e && r.body.room_id === room)?.body;
    assert.equal(byEvent('stream_close', 'wa')?.reason, 'normal');
    assert.equal(byEvent('stream_close', 'wb')?.reason, 'closed');
    assert.equal(byEvent('stream_close', 'wb')?.detail, 'shutdown');
    assert.equal(byEvent('room_login', 'wa')?.user_account, 'wa-a');
    assert.equal(byEvent('token_renew', 'wa')?.user_account, 'wa-b');
    assert.equal(byEvent('room_create', 'wa')?.appid, String(APP_ID));

    // The delivery log holds every attempt: refused, 500, 200.
    const log = (await admin(s.server, 'GET', `/apps/${APP_ID}/webhooks/deliveries?limit=5000`)).body
      .deliveries as Json[];
    assert.ok(
      log.some((d) => d.error === 'connection_refused' && d.httpStatus === null && d.status === 'failed'),
    );
    assert.ok(log.some((d) => d.httpStatus === 500 && d.status === 'failed'));
    assert.equal(log.filter((d) => d.status === 'ok').length, ids.length);
    assert.ok(log.every((d) => d.roomID === 'wa' || d.roomID === 'wb'));
    assert.equal((await admin(s.server, 'GET', '/apps')).status, 200);
    const pending = await fetch(`${s.server.httpUrl}/metrics`).then((r) => r.text());
    assert.match(pending, /^minirtc_webhook_pending 0$/m);
  });
});

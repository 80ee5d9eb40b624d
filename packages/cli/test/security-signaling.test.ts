/**
 * Security suite — signaling and HTTP (issue 8, items 4–7 and 10), each attack against a running
 * node while a canary call keeps decoding frames: WebSockets that never log in (a pinging one is
 * closed at the deadline, the per-address cap refuses the rest), SSRF callback URLs (refused when set,
 * and at delivery), forged `/httplog` entries, the strong API signature an app can require, and last a
 * replayed push URL that cannot displace the live owner (while a dead owner is still taken over).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@minirtc/protocol';
import { generateToken04 } from '@minirtc/protocol/crypto';
import { ZegoExpressEngine } from '@minirtc/sdk';
import { STRONG_SIGNATURE_VERSION, issueLogCredential, strongSignature } from '@minirtc/server';
import { publishTestPattern } from '@minirtc/testkit';
import WebSocket from 'ws';
import type { Platform } from '../src/platform.js';
import {
  ADMIN_KEY,
  APP_ID,
  type Canary,
  SECRET,
  refusals,
  signedQuery,
  startCanary,
  startNode,
} from './security-helpers.js';

const DEADLINE_MS = 1500;

/** Resolves once `pred` holds (checked every 20 ms), failing after 5 s: a bounded wait, not a sleep. */
function until(pred: () => boolean, what: string): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (pred()) resolve();
      else if (Date.now() - t0 > 5000) reject(new Error(`timed out: ${what}`));
      else setTimeout(check, 20);
    };
    check();
  });
}

/** Opens a raw WebSocket: resolves 'open' or the HTTP status it was refused with. */
function rawWs(url: string): Promise<{ ws: WebSocket; status: 'open' | number }> {
  const ws = new WebSocket(url);
  ws.on('error', () => {});
  return new Promise((resolve) => {
    ws.once('open', () => resolve({ ws, status: 'open' }));
    ws.once('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode ?? 0 }));
  });
}

describe('security: signaling, webhooks, /httplog, API signatures, push URL replay', {
  timeout: 180_000,
}, () => {
  let node: Platform;
  let canary: Canary;
  let http: string;
  before(async () => {
    node = await startNode({
      'security.wsLoginDeadlineMs': String(DEADLINE_MS),
      'security.httplogBurstPerAddress': '300',
      'security.httplogPerMinutePerAddress': '60',
    });
    http = node.server.httpUrl;
    canary = await startCanary(node.server.wsUrl, APP_ID, SECRET);
  });
  after(async () => {
    await canary?.close();
    await node?.close();
  });

  it('a pinging unauthenticated WebSocket is closed at the login deadline; the per-address cap refuses the rest', async (t) => {
    const frames0 = canary.frames();
    const t0 = performance.now();
    const { ws, status } = await rawWs(node.server.wsUrl);
    assert.equal(status, 'open');
    const pinger = setInterval(() => ws.send(JSON.stringify({ type: 'ping', reqId: 1 })), 100);
    const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
    const waited = performance.now() - t0;
    clearInterval(pinger);
    assert.equal(code, 4005, 'closed for the login deadline');
    assert.ok(waited >= DEADLINE_MS - 50, `not before the deadline (${waited.toFixed(0)} ms)`);

    // 40 more sockets that never log in: 32 are held (until the deadline), 8 are refused at once.
    const opened = await Promise.all(Array.from({ length: 40 }, () => rawWs(node.server.wsUrl)));
    const held = opened.filter((o) => o.status === 'open');
    const refused = opened.filter((o) => o.status === 503);
    assert.equal(held.length, 32);
    assert.equal(refused.length, 8);
    await Promise.all(held.map((o) => new Promise((resolve) => o.ws.once('close', resolve))));
    await canary.moreFrames(10);
    await until(() => node.server.unauthenticatedCount === 0, 'every slot given back');
    const r = await refusals(http);
    assert.ok((r.ws_login_deadline ?? 0) >= 33);
    assert.equal(r.ws_unauth_cap_address, 8);
    t.diagnostic(
      `websocket: pinging socket closed after ${waited.toFixed(0)} ms (deadline ${DEADLINE_MS}); 40 idle sockets: 32 held then closed, 8 refused (503); canary decoded ${canary.frames() - frames0} frames meanwhile`,
    );
  });

  it('callback URLs on internal addresses are refused when set, and again at delivery', async (t) => {
    const frames0 = canary.frames();
    const patch = async (callbackUrl: string) => {
      const r = await fetch(`${http}/api/v1/apps/${APP_ID}?${signedQuery(APP_ID, SECRET)}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ callbackUrl }),
      });
      return { status: r.status, body: (await r.json()) as { code?: number } };
    };
    const targets = [
      'http://127.0.0.1:9/hook',
      'http://localhost:8080/',
      'http://sub.localhost/',
      'http://10.1.2.3/',
      'http://172.16.0.1/',
      'http://192.168.1.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://metadata.google.internal/',
      'http://100.64.0.1/',
      'http://224.0.0.1/',
      'http://0.0.0.0/',
      'http://[::1]/',
      'http://[fe80::1]/',
      'http://[fc00::1]/',
      'http://[::ffff:127.0.0.1]/',
    ];
    for (const url of targets) {
      const r = await patch(url);
      assert.equal(r.status, 400, url);
      assert.equal(r.body.code, ErrorCode.WEBHOOK_DESTINATION_FORBIDDEN, url);
    }
    assert.equal((await patch('https://hooks.example.com/minirtc')).status, 200, 'a public URL is fine');

    // A name that resolves to an internal address only at delivery (here: a record already stored,
    // as after DNS re-binding): the attempt is refused before connecting, and the app-signed caller
    // reads a category in the delivery log, not network error text.
    let hits = 0;
    const receiver: Server = createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    const hookUser = new ZegoExpressEngine(APP_ID, node.server.wsUrl);
    try {
      node.apps.update(APP_ID, {
        callbackUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      });
      const attempt = new Promise<{ error: string | null }>((resolve) =>
        node.server.once('webhookAttempt', (e) => resolve(e)),
      );
      const hookToken = generateToken04({
        appID: APP_ID,
        userID: 'hook-user',
        secret: SECRET,
        ttlSeconds: 600,
      });
      await hookUser.loginRoom('hook-room', hookToken, { userID: 'hook-user' });
      assert.equal((await attempt).error, 'forbidden_destination');
      const log = await fetch(
        `${http}/api/v1/apps/${APP_ID}/webhooks/deliveries?${signedQuery(APP_ID, SECRET)}`,
      );
      const { deliveries } = (await log.json()) as { deliveries: { error: string | null }[] };
      assert.ok(deliveries.length > 0);
      assert.ok(
        deliveries.every((d) => d.error === 'forbidden_destination'),
        JSON.stringify(deliveries),
      );
      assert.equal(hits, 0, 'nothing reached the internal receiver');
    } finally {
      node.apps.update(APP_ID, { callbackUrl: null });
      hookUser.destroyEngine();
      receiver.close();
    }
    await canary.moreFrames(10);
    t.diagnostic(
      `ssrf: ${targets.length} internal callback URLs refused at set time, delivery to a stored loopback URL refused; canary decoded ${canary.frames() - frames0} frames meanwhile`,
    );
  });

  it('/httplog takes entries only with the login credential the SDK got, within rate limits', async (t) => {
    const frames0 = canary.frames();
    // The drop-in SDK needs no change: it got the credential in its login reply and sends it.
    await canary.viewer.log.flush();
    assert.ok(node.server.logs({ appID: APP_ID, userID: 'canary-view' }).length > 0, 'the SDK logs arrive');
    const post = (body: unknown) =>
      fetch(`${http}/httplog`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, code: ((await r.json()) as { code: number }).code }));
    const entries = Array.from({ length: 100 }, (_, i) => ({ message: `forged ${i}` }));
    const forged = [
      { appID: APP_ID, logs: entries },
      {
        appID: APP_ID,
        logToken: 'v1.515151.bWFsbG9yeQ.9999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        logs: entries,
      },
      { appID: APP_ID, logToken: issueLogCredential(APP_ID, 'mallory', 'x'.repeat(32), 600), logs: entries },
      { appID: APP_ID, logToken: issueLogCredential(APP_ID, 'mallory', SECRET, -120), logs: entries },
    ];
    for (const body of forged)
      assert.deepEqual(await post(body), { status: 401, code: ErrorCode.LOG_CREDENTIAL_INVALID });
    assert.equal(node.server.logs({ appID: APP_ID, contains: 'forged' }).length, 0, 'no forged entry stored');

    // Even with a real credential one address cannot flood: 300 entries at once, then 429.
    const logToken = issueLogCredential(APP_ID, 'canary-view', SECRET, 600);
    let accepted = 0;
    let last = { status: 200, code: 0 };
    for (let i = 0; i < 10 && last.status === 200; i++) {
      last = await post({ logToken, logs: entries });
      if (last.status === 200) accepted++;
    }
    assert.deepEqual(last, { status: 429, code: ErrorCode.RATE_LIMITED });
    assert.ok(accepted <= 3, `batches accepted before the limit: ${accepted}`);
    await canary.moreFrames(10);
    const r = await refusals(http);
    t.diagnostic(
      `httplog: 4 forged batches refused (401 1990090), rate limit after ${accepted} real batches of 100; refusals ${JSON.stringify(r)}; canary decoded ${canary.frames() - frames0} frames meanwhile`,
    );
  });

  it('an app that requires the strong signature refuses ZEGO-form requests and rebound ones', async () => {
    const set = await fetch(`${http}/api/v1/apps/${APP_ID}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ requireStrongSignature: true }),
    });
    assert.equal(set.status, 200);
    try {
      const action = (params: URLSearchParams) =>
        fetch(`${http}/?${params}`).then(async (r) => (await r.json()) as { Code: number });
      const zego = signedQuery(APP_ID, SECRET);
      zego.set('Action', 'DescribeUserNum');
      zego.set('RoomId', 'canary-room');
      assert.equal((await action(zego)).Code, ErrorCode.API_SIGNATURE_INVALID);

      const strong = (name: string) => {
        const nonce = randomBytes(8).toString('hex');
        const ts = Math.floor(Date.now() / 1000);
        const sig = strongSignature(SECRET, APP_ID, nonce, ts, {
          method: 'GET',
          path: '/',
          action: name,
          bodySha256: createHash('sha256').update('').digest('hex'),
        });
        return new URLSearchParams({
          AppId: String(APP_ID),
          SignatureNonce: nonce,
          Timestamp: String(ts),
          Signature: sig,
          SignatureVersion: STRONG_SIGNATURE_VERSION,
          RoomId: 'canary-room',
        });
      };
      const ok = strong('DescribeUserNum');
      ok.set('Action', 'DescribeUserNum');
      assert.equal((await action(ok)).Code, 0);
      // The same signed parameters rebound to another Action: refused.
      const rebound = strong('DescribeUserNum');
      rebound.set('Action', 'CloseRoom');
      assert.equal((await action(rebound)).Code, ErrorCode.API_SIGNATURE_INVALID);
      assert.equal(node.server.roomUsers(APP_ID, 'canary-room').length, 2, 'the room was not closed');
    } finally {
      await fetch(`${http}/api/v1/apps/${APP_ID}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify({ requireStrongSignature: false }),
      });
    }
  });

  it('a replayed push URL cannot displace a live owner; a dead owner is taken over as before', async (t) => {
    const frames0 = canary.frames();
    const replay = publishTestPattern(canary.pushUrl);
    const code = await replay.exited;
    assert.notEqual(code, 0, 'the replayed publish is refused');
    await canary.moreFrames(25);
    assert.equal(canary.push.proc.exitCode, null, 'the owner keeps publishing');
    const duringReplay = canary.frames() - frames0;
    // The owner's encoder dies: the same URL takes over and the player keeps decoding.
    await canary.push.kill();
    const again = publishTestPattern(canary.pushUrl);
    try {
      await canary.moreFrames(50);
    } finally {
      await again.kill();
    }
    t.diagnostic(
      `push replay: refused (ffmpeg exit ${code}), canary decoded ${duringReplay} frames meanwhile; takeover after the owner died: player continued`,
    );
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@minirtc/protocol';
import type { MiniRtcServer } from '../src/server.js';
import { issueLogCredential } from '../src/security/log-credential.js';
import { APP_ID, SECRET, startServer } from './helpers.js';

describe('HTTP', () => {
  let server: MiniRtcServer;
  before(async () => {
    server = await startServer({ logIntake: { maxEntriesPerApp: 3 } });
    server.addHttpHandler((req, res) => {
      if (req.url !== '/mounted') return false;
      res.end('mounted');
      return true;
    });
  });
  after(() => server.close());

  it('GET /healthz, 404 elsewhere, mounted handlers', async () => {
    const h = await fetch(`${server.httpUrl}/healthz`);
    assert.equal(h.status, 200);
    assert.deepEqual(await h.json(), { ok: true });
    assert.equal((await fetch(`${server.httpUrl}/nope`)).status, 404);
    assert.equal(await (await fetch(`${server.httpUrl}/mounted`)).text(), 'mounted');
  });

  it('POST /httplog stores batches under the app of its credential, searchable, with CORS', async () => {
    const logToken = issueLogCredential(APP_ID, 'lu', SECRET, 60);
    const pre = await fetch(`${server.httpUrl}/httplog`, { method: 'OPTIONS' });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    const post = (body: unknown) =>
      fetch(`${server.httpUrl}/httplog`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const r = await post({
      appID: APP_ID,
      userID: 'lu',
      logToken,
      logs: [
        { level: 'info', time: 1, message: 'login ok', roomID: 'r1' },
        { level: 'error', time: 2, msg: 'play failed 3803', roomID: 'r1', extra: { code: 3803 } },
      ],
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.deepEqual(await r.json(), { code: 0, stored: 2 });
    // Claiming another app changes nothing: entries go to the credential's app.
    assert.equal((await post({ logToken, logs: [{ appID: 99, message: 'other app' }] })).status, 200);

    const errs = server.logs({ appID: APP_ID, level: 'error' });
    assert.equal(errs.length, 1);
    assert.equal(errs[0]?.message, 'play failed 3803');
    assert.equal(errs[0]?.userID, 'lu');
    assert.equal(errs[0]?.roomID, 'r1');
    assert.deepEqual(errs[0]?.data, { extra: { code: 3803 } });
    assert.equal(server.logs({ contains: 'other' })[0]?.appID, APP_ID);
    assert.equal(server.logs({ appID: APP_ID, userID: 'nobody' }).length, 0);

    // Bounded per app: the newest 3 stay.
    await post({ appID: APP_ID, logToken, logs: ['a', 'b', 'c'] });
    assert.deepEqual(
      server.logs({ appID: APP_ID }).map((e) => e.message),
      ['a', 'b', 'c'],
    );
  });

  it('refuses bad JSON (400, 1102011), wrong shapes (400) and bodies over 256 KiB (413)', async () => {
    const post = (body: string) => fetch(`${server.httpUrl}/httplog`, { method: 'POST', body });
    const bad = await post('{oops');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { code: number }).code, ErrorCode.JSON_PARSE_ERROR);
    const shape = await post('42');
    assert.equal(shape.status, 400);
    assert.equal(((await shape.json()) as { code: number }).code, ErrorCode.INVALID_PARAM);
    const big = await post(JSON.stringify([{ message: 'x'.repeat(300 * 1024) }]));
    assert.equal(big.status, 413);
    assert.equal((await fetch(`${server.httpUrl}/httplog`)).status, 405);
    // Still serving afterwards.
    assert.equal((await fetch(`${server.httpUrl}/healthz`)).status, 200);
  });
});

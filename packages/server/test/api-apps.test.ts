import assert from 'node:assert/strict';
import { issueLogCredential } from '../src/security/log-credential.js';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@minirtc/protocol';
import { Client } from './helpers.js';
import {
  BACKENDS,
  type OpsServer,
  admin,
  signParams,
  signed,
  startOpsServer,
  stopOpsServer,
  stopTestPostgres,
} from './ops-helpers.js';

after(() => stopTestPostgres());

for (const backend of BACKENDS) {
  describe(`API (${backend}): apps, tokens, logs, OpenAPI, console`, () => {
    let s: OpsServer;
    const consoleDir = mkdtempSync(join(tmpdir(), 'minirtc-console-'));
    before(async () => {
      mkdirSync(join(consoleDir, 'assets'));
      writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>console</title>');
      writeFileSync(join(consoleDir, 'assets', 'app-1234.js'), 'console.log(1)');
      writeFileSync(join(consoleDir, 'assets', 'app-1234.css'), 'body{}');
      writeFileSync(join(tmpdir(), 'minirtc-secret.txt'), 'secret');
      s = await startOpsServer({ consoleDir, backend });
    });
    after(() => stopOpsServer(s));

    it('create → get → patch → rotate → delete; a created app can sign requests and log users in', async () => {
      const created = await admin(s.server, 'POST', '/apps', {
        name: 'shop',
        callbackUrl: 'https://example.com/cb',
      });
      assert.equal(created.status, 201);
      const app = created.body;
      assert.match(app.serverSecret, /^[0-9a-f]{32}$/);
      assert.match(app.callbackSecret, /^[0-9a-f]{32}$/);
      assert.equal(app.callbackUrl, 'https://example.com/cb');
      const id = app.appID as number;

      const self = await signed(s.server, 'GET', `/apps/${id}`, undefined, signParams(id, app.serverSecret));
      assert.equal(self.status, 200);
      assert.equal(self.body.name, 'shop');

      const patched = await admin(s.server, 'PATCH', `/apps/${id}`, {
        name: 'shop2',
        callbackUrl: '',
        maxRoomMembers: 2,
      });
      assert.equal(patched.body.name, 'shop2');
      assert.equal(patched.body.callbackUrl, null);
      assert.equal(patched.body.maxRoomMembers, 2);
      assert.equal((await admin(s.server, 'PATCH', `/apps/${id}`, { callbackUrl: 'ftp://x' })).status, 400);

      // A temporary token made by the API logs a real client in.
      const tok = await admin(s.server, 'POST', `/apps/${id}/tokens`, {
        userID: 'u1',
        roomID: 'r1',
        ttlSeconds: 60,
      });
      assert.equal(tok.status, 200);
      assert.ok(Math.abs(tok.body.expiresAt - (Date.now() / 1000 + 60)) < 5);
      const c = await Client.open(s.server.wsUrl);
      const login = await c.req('login', {
        appID: id,
        roomID: 'r1',
        token: tok.body.token,
        user: { userID: 'u1' },
      });
      assert.equal(login.code, 0);
      assert.equal(
        (
          await signed(
            s.server,
            'POST',
            `/apps/${id}/tokens`,
            { userID: 'u1' },
            signParams(id, app.serverSecret),
          )
        ).status,
        403,
      );

      const rotated = await signed(
        s.server,
        'POST',
        `/apps/${id}/rotate-secret`,
        { which: 'server' },
        signParams(id, app.serverSecret),
      );
      assert.equal(rotated.status, 200);
      assert.notEqual(rotated.body.serverSecret, app.serverSecret);
      assert.equal(rotated.body.callbackSecret, undefined, 'only the rotated secret is returned');
      assert.equal(rotated.body.name, 'shop2');
      // The old secret no longer signs; the new one does; tokens made with the old one stop working.
      assert.equal(
        (await signed(s.server, 'GET', `/apps/${id}`, undefined, signParams(id, app.serverSecret))).status,
        401,
      );
      assert.equal(
        (await signed(s.server, 'GET', `/apps/${id}`, undefined, signParams(id, rotated.body.serverSecret)))
          .status,
        200,
      );
      const c2 = await Client.open(s.server.wsUrl);
      const stale = await c2.req('login', {
        appID: id,
        roomID: 'r2',
        token: tok.body.token,
        user: { userID: 'u1' },
      });
      assert.equal(
        stale.code,
        ErrorCode.TOKEN_MALFORMED,
        'a token signed with the old secret no longer authenticates',
      );
      const cb = await admin(s.server, 'POST', `/apps/${id}/rotate-secret`, { which: 'callback' });
      assert.match(cb.body.callbackSecret, /^[0-9a-f]{32}$/);
      assert.notEqual(cb.body.callbackSecret, app.callbackSecret);

      assert.equal(
        (
          await signed(
            s.server,
            'DELETE',
            `/apps/${id}`,
            undefined,
            signParams(id, rotated.body.serverSecret),
          )
        ).status,
        403,
      );
      assert.deepEqual((await admin(s.server, 'DELETE', `/apps/${id}`)).body, { deleted: true });
      assert.equal((await admin(s.server, 'GET', `/apps/${id}`)).status, 404);
      c.close();
      c2.close();
    });

    it('SDK logs posted to /httplog are stored and searchable by room, user and text', async () => {
      const app = (await admin(s.server, 'POST', '/apps', { name: 'logs' })).body;
      const post = await fetch(`${s.server.httpUrl}/httplog`, {
        method: 'POST',
        body: JSON.stringify({
          appID: app.appID,
          logToken: issueLogCredential(app.appID, 'ann', app.serverSecret, 60),
          logs: [
            { userID: 'ann', roomID: 'ra', message: 'login ok' },
            { userID: 'bob', roomID: 'ra', message: 'play failed 3803', level: 'error' },
            { userID: 'bob', roomID: 'rb', message: 'publish ok' },
          ],
        }),
      });
      assert.equal(post.status, 200);
      const get = async (q: string) =>
        (await admin(s.server, 'GET', `/apps/${app.appID}/logs?${q}`)).body.logs as { message: string }[];
      assert.deepEqual(
        (await get('roomID=ra')).map((e) => e.message),
        ['login ok', 'play failed 3803'],
      );
      assert.deepEqual(
        (await get('userID=bob')).map((e) => e.message),
        ['play failed 3803', 'publish ok'],
      );
      assert.deepEqual(
        (await get('q=3803')).map((e) => e.message),
        ['play failed 3803'],
      );
      assert.deepEqual(
        (await get('q=ok&limit=1')).map((e) => e.message),
        ['publish ok'],
      );
      assert.equal((await get('q=%25')).length, 0, 'the search text is literal, not a LIKE pattern');
    });

    it('openapi.json is generated from the request schemas', async () => {
      const r = await fetch(`${s.server.httpUrl}/api/v1/openapi.json`);
      assert.equal(r.status, 200);
      const doc = (await r.json()) as {
        openapi: string;
        paths: Record<
          string,
          Record<
            string,
            {
              requestBody?: {
                content: Record<
                  string,
                  { schema: { required: string[]; properties: Record<string, unknown> } }
                >;
              };
            }
          >
        >;
      };
      assert.equal(doc.openapi, '3.1.0');
      const kick = doc.paths['/api/v1/apps/{appID}/rooms/{roomID}/kick']?.post;
      assert.deepEqual(kick?.requestBody?.content['application/json']?.schema.required, ['userIDs']);
      const tl = (
        doc.paths['/api/v1/apps/{appID}/timeline'] as unknown as Record<
          string,
          { parameters: { name: string; schema: { type: string; maximum?: number } }[] }
        >
      ).get;
      assert.deepEqual(tl?.parameters.find((p) => p.name === 'limit')?.schema, {
        type: 'integer',
        minimum: 1,
        maximum: 5000,
      });
      const create = doc.paths['/api/v1/apps']?.post?.requestBody?.content['application/json']?.schema;
      assert.deepEqual(Object.keys(create?.properties ?? {}), ['name', 'callbackUrl', 'maxRoomMembers']);
      for (const p of [
        '/api/v1/apps/{appID}/streams',
        '/api/v1/apps/{appID}/timeline',
        '/api/v1/apps/{appID}/webhooks/replay',
      ]) {
        assert.ok(doc.paths[p], p);
      }
    });

    it('console: files with their types, index.html for client routes, no escape from the dir', async () => {
      const get = (p: string) => fetch(`${s.server.httpUrl}${p}`, { redirect: 'manual' });
      const root = await get('/console');
      assert.equal(root.status, 301);
      assert.equal(root.headers.get('location'), '/console/');
      const index = await get('/console/');
      assert.equal(index.status, 200);
      assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.match(await index.text(), /<title>console/);
      const js = await get('/console/assets/app-1234.js');
      assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
      assert.match(js.headers.get('cache-control') ?? '', /immutable/);
      assert.equal(
        (await get('/console/assets/app-1234.css')).headers.get('content-type'),
        'text/css; charset=utf-8',
      );
      const route = await get('/console/apps/123/rooms');
      assert.equal(route.status, 200);
      assert.match(await route.text(), /<title>console/);
      assert.equal((await get('/console/assets/missing.js')).status, 404);
      for (const evil of [
        '/console/..%2fminirtc-secret.txt',
        '/console/%2e%2e/minirtc-secret.txt',
        '/console/..%5cminirtc-secret.txt',
      ]) {
        const r = await get(evil);
        assert.ok(r.status === 400 || r.status === 404, `${evil} → ${r.status}`);
        assert.doesNotMatch(await r.text(), /^secret$/);
      }
      assert.equal((await fetch(`${s.server.httpUrl}/console/`, { method: 'POST' })).status, 405);
    });

    it('an app store that cannot be managed answers 501 1990079', async () => {
      const { MemoryAppStore } = await import('../src/app-store.js');
      const { MiniRtcServer } = await import('../src/server.js');
      const { ADMIN_KEY } = await import('./ops-helpers.js');
      const mem = new MiniRtcServer({ port: 0, apps: new MemoryAppStore([]), adminKey: ADMIN_KEY });
      await mem.listen();
      try {
        const r = await admin(mem, 'POST', '/apps', { name: 'x' });
        assert.equal(r.status, 501);
        assert.equal(r.body.code, ErrorCode.API_APPS_READ_ONLY);
      } finally {
        await mem.close();
      }
    });
  });
}

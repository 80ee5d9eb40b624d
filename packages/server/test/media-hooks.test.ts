import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MiniRtcServer } from '../src/server.js';
import { APP_ID, loginClient, startServer } from './helpers.js';

describe('media hooks for external servers', () => {
  let server: MiniRtcServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  const srs = (body: unknown) =>
    fetch(`${server.httpUrl}/hooks/srs`, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({
      status: r.status,
      text: await r.text(),
    }));
  const nginx = (fields: Record<string, string>) =>
    fetch(`${server.httpUrl}/hooks/nginx`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    }).then((r) => r.status);

  it('SRS: on_publish with a signed URL allows (0) and lists the stream; on_unpublish removes it', async () => {
    const { c: pub } = await loginClient(server, 'h1', 'r-srs');
    const { c: peer } = await loginClient(server, 'h2', 'r-srs');
    const url = new URL((await pub.req('publish', { roomID: 'r-srs', streamID: 's-srs' })).data.url);
    const base = { app: 'live', stream: 's-srs', param: url.search, vhost: '__defaultVhost__', client_id: 1 };
    const bad = await srs({ ...base, action: 'on_publish', param: url.search.replace('uid=h1', 'uid=h2') });
    assert.equal(bad.status, 403);
    assert.equal(bad.text, '1990050');
    const ok = await srs({ ...base, action: 'on_publish' });
    assert.deepEqual(ok, { status: 200, text: '0' });
    assert.equal((await peer.push('streamUpdate')).updateType, 'ADD');
    // A play grant cannot publish; the peer's play URL plays.
    const play = new URL((await peer.req('play', { roomID: 'r-srs', streamID: 's-srs' })).data.url);
    assert.equal((await srs({ ...base, action: 'on_publish', param: play.search })).status, 403);
    assert.equal((await srs({ ...base, action: 'on_play', param: play.search })).status, 200);
    // The player's grant cannot report the publisher's stream gone.
    await srs({ ...base, action: 'on_unpublish', param: play.search });
    assert.equal(server.roomStreams(APP_ID, 'r-srs').length, 1);
    assert.equal((await srs({ ...base, action: 'on_unpublish' })).status, 200);
    assert.equal((await peer.push('streamUpdate')).updateType, 'DELETE');
    assert.equal((await srs({ action: 'on_connect' })).status, 200);
    assert.equal((await fetch(`${server.httpUrl}/hooks/srs`, { method: 'POST', body: '{' })).status, 400);
    pub.close();
    peer.close();
  });

  it('nginx-rtmp: publish allowed with 2xx only for a good grant; publish_done removes', async () => {
    const { c: pub } = await loginClient(server, 'n1', 'r-ngx');
    const { c: peer } = await loginClient(server, 'n2', 'r-ngx');
    const url = new URL((await pub.req('publish', { roomID: 'r-ngx', streamID: 's-ngx' })).data.url);
    const args = Object.fromEntries(url.searchParams);
    assert.equal(await nginx({ call: 'publish', app: 'live', name: 's-ngx', ...args, sig: 'x' }), 403);
    assert.equal(
      await nginx({ call: 'publish', app: 'live', name: 's-ngx', addr: '127.0.0.1', ...args }),
      200,
    );
    assert.equal((await peer.push('streamUpdate')).updateType, 'ADD');
    assert.equal(await nginx({ call: 'publish_done', app: 'live', name: 's-ngx', ...args }), 200);
    assert.equal((await peer.push('streamUpdate')).updateType, 'DELETE');
    assert.equal(await nginx({ app: 'live' }), 400);
    pub.close();
    peer.close();
  });
});

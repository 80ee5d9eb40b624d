/**
 * `minirtc media --signaling-url a,b`: the remote authorizer sticks to one signaling node and fails
 * over to the next when it cannot be reached or answers 5xx; a refusal is an answer, not a failure.
 */
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import type { StreamRequest } from '@minirtc/rtmp';
import { RemoteAuthorizer } from '../src/media-link/remote-authorizer.js';

interface Hook {
  url: string;
  hits: string[];
  server: Server;
}
const hooks: Hook[] = [];

/** A stand-in signaling node's `/hooks/srs`: answers `status` with `body`, records the actions. */
async function hook(status: number, body: string): Promise<Hook> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => {
      raw += d.toString();
    });
    req.on('end', () => {
      hits.push(`${req.url} ${(JSON.parse(raw) as { action: string }).action}`);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const h = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
  hooks.push(h);
  return h;
}

function stop(h: Hook): Promise<void> {
  h.server.closeAllConnections();
  return new Promise((resolve) => h.server.close(() => resolve()));
}

const req: StreamRequest = {
  kind: 'publish',
  protocol: 'rtmp',
  app: 'live',
  stream: 's1',
  query: { appid: '7', uid: 'u1', room: 'r1', sig: 'x' },
  remoteAddress: '127.0.0.1',
  sessionId: 'c1',
};

describe('RemoteAuthorizer failover', () => {
  after(async () => {
    await Promise.all(hooks.filter((h) => h.server.listening).map(stop));
  });

  it('uses the first node while it answers, then moves on and stays', async () => {
    const a = await hook(200, '0');
    const b = await hook(200, '0');
    const auth = new RemoteAuthorizer(` ${a.url}, ${b.url} `, 2000);
    const ok = await auth.authorize(req);
    assert.equal(ok.ok, true);
    assert.deepEqual(ok.ok && ok.tag, {
      appID: 7,
      userID: 'u1',
      roomID: 'r1',
      streamID: 's1',
      param: '?appid=7&uid=u1&room=r1&sig=x',
    });
    assert.deepEqual([a.hits.length, b.hits.length], [1, 0]);
    await stop(a);
    assert.equal((await auth.authorize(req)).ok, true, 'the second node answered');
    assert.equal((await auth.authorize({ ...req, kind: 'play' })).ok, true);
    assert.deepEqual(b.hits, ['/hooks/srs on_publish', '/hooks/srs on_play']);
    assert.equal(auth.current, b.url);
  });

  it('fails over on 5xx, not on a refusal', async () => {
    const down = await hook(503, 'shutting down');
    const refuses = await hook(403, '1000002');
    const auth = new RemoteAuthorizer([down.url, refuses.url], 2000);
    const r = await auth.authorize(req);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? (r.reason ?? '') : '', /refused \(403\): 1000002/);
    assert.deepEqual([down.hits.length, refuses.hits.length], [1, 1]);
    await auth.authorize(req);
    assert.deepEqual([down.hits.length, refuses.hits.length], [1, 2], 'the refusing node stays current');
  });

  it('reports unreachable when every node is down', async () => {
    const a = await hook(200, '0');
    await stop(a);
    const r = await new RemoteAuthorizer([a.url, a.url], 500).authorize(req);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? (r.reason ?? '') : '', /signaling unreachable/);
  });
});

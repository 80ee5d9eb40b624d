import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloseCode, ErrorCode } from '@minirtc/protocol';
import { MemoryAppStore } from '../src/app-store.js';
import { MiniRtcServer } from '../src/server.js';
import { APP_ID, Client, SECRET, event, loginClient, startServer, token } from './helpers.js';

describe('bad input and floods', () => {
  let server: MiniRtcServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('answers each kind of bad frame with its code and keeps the connection', async () => {
    const c = await Client.open(server.wsUrl);
    c.send('{not json');
    assert.equal((await c.next((m) => m.type === 'error')).code, ErrorCode.JSON_PARSE_ERROR);
    c.send('[1,2,3]');
    assert.equal((await c.next((m) => m.type === 'error')).code, ErrorCode.INVALID_PARAM);
    c.send({ type: 'fly', reqId: 7 });
    const unknown = await c.next((m) => m.type === 'res' && m.reqId === 7);
    assert.equal(unknown.code, ErrorCode.UNKNOWN_MESSAGE_TYPE);
    c.send({ type: 'login', reqId: 8, appID: 'x', roomID: 'r', token: 't', user: { userID: 'u' } });
    assert.equal((await c.next((m) => m.type === 'res' && m.reqId === 8)).code, ErrorCode.INVALID_PARAM);
    c.send({ type: 'login', reqId: 9, appID: APP_ID, roomID: 'bad room', token: 't', user: { userID: 'u' } });
    assert.equal((await c.next((m) => m.type === 'res' && m.reqId === 9)).code, ErrorCode.ROOM_ID_ILLEGAL);
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await c.next((m) => m.type === 'error')).code, ErrorCode.INVALID_PARAM);
    assert.equal((await c.req('broadcast', { roomID: 'r', message: 'm' })).code, ErrorCode.NOT_LOGGED_IN);
    assert.equal((await c.req('ping')).code, 0);
    c.close();
  });

  it('closes a connection sending an oversize frame with 1009', async () => {
    const c = await Client.open(server.wsUrl);
    c.send({ type: 'ping', pad: 'x'.repeat(17 * 1024) });
    assert.equal(await c.closed, CloseCode.TOO_BIG);
  });

  it('rate-limits frames per connection (50/s, burst 100) with 1002073', async () => {
    const t0 = performance.now(); // the connection's bucket (100 at once, +50/s) starts with it
    const c = await Client.open(server.wsUrl);
    const replies = await Promise.all(Array.from({ length: 180 }, () => c.req('ping')));
    const elapsedS = (performance.now() - t0) / 1000;
    const ok = replies.filter((r) => r.code === 0).length;
    const limited = replies.filter((r) => r.code === ErrorCode.RATE_LIMITED).length;
    assert.equal(ok + limited, 180, 'every reply is either accepted or RATE_LIMITED');
    // Exactly what a token bucket allows: the burst, plus the rate times the time that passed.
    const bound = Math.min(180, Math.floor(100 + 50 * elapsedS));
    assert.ok(ok >= 100 && ok <= bound, `accepted ${ok}, bound ${bound} after ${elapsedS.toFixed(2)} s`);
    assert.equal(limited, 180 - ok);
    assert.equal(c.closeCode, null, 'excess within tolerance does not close');
    c.close();
  });

  it('a garbage flood closes only the offender (4003); other sessions keep working', async () => {
    const { c: a } = await loginClient(server, 'fa', 'r-flood');
    const { c: b } = await loginClient(server, 'fb', 'r-flood');
    const { c: bad } = await loginClient(server, 'fbad', 'r-flood');
    for (let i = 0; i < 1000 && bad.ws.readyState === bad.ws.OPEN; i++) bad.send(`garbage ${i} {{{`);
    assert.equal(await bad.closed, CloseCode.ABUSE);
    assert.equal((await a.req('broadcast', { roomID: 'r-flood', message: 'still here' })).code, 0);
    assert.equal(
      (await b.push('broadcast', (m) => m.messages[0].message === 'still here')).messages[0].fromUser.userID,
      'fa',
    );
    assert.equal((await b.req('ping')).code, 0);
    a.close();
    b.close();
  });

  it('refuses WebSocket upgrades outside /ws with 404', async () => {
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(server.wsUrl.replace(/\/ws$/, '/other'));
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
    assert.equal(status, 404);
  });
});

describe('a handler that throws', () => {
  it('becomes a res with 1990099 and an error event, and the connection lives on', async () => {
    const store = new MemoryAppStore([{ appID: APP_ID, serverSecret: SECRET }]);
    const apps = {
      get: (id: number) => {
        if (id === 666) throw new Error('store exploded');
        return store.get(id);
      },
      list: () => store.list(),
    };
    const server = new MiniRtcServer({ port: 0, apps });
    await server.listen();
    try {
      const errored = event<Error>(server, 'error');
      const c = await Client.open(server.wsUrl);
      const res = await c.req('login', { appID: 666, roomID: 'r', token: 't', user: { userID: 'u' } });
      assert.equal(res.code, ErrorCode.INTERNAL_ERROR);
      assert.equal((await errored).message, 'store exploded');
      const ok = await c.req('login', {
        appID: APP_ID,
        roomID: 'r',
        token: token('u', { roomID: 'r' }),
        user: { userID: 'u' },
      });
      assert.equal(ok.code, 0);
      c.close();
    } finally {
      await server.close();
    }
  });
});

describe('a client that stops reading', () => {
  it('is dropped once its queue passes the bound (session held), and the sender is unaffected', async () => {
    const server = await startServer({
      maxSendBufferBytes: 256 * 1024,
      limits: { broadcastPerSecond: 1e6, framesPerSecond: 1e6, framesBurst: 1e6, abuseBurst: 1e6 },
    });
    try {
      const { c: sender } = await loginClient(server, 'fast', 'r-slow');
      const { c: slow } = await loginClient(server, 'slow', 'r-slow');
      const { c: ok } = await loginClient(server, 'ok', 'r-slow');
      slow.ws.pause();
      const detached = event<{ userID: string }>(server, 'sessionDetached');
      const text = 'x'.repeat(1000);
      // Far more than loopback socket buffers absorb (a few MB), in acknowledged batches.
      let sent = 0;
      while (server.sessionState(APP_ID, 'slow') === 'attached' && sent < 40_000) {
        await Promise.all(
          Array.from({ length: 500 }, () => sender.req('broadcast', { roomID: 'r-slow', message: text })),
        );
        sent += 500;
        ok.inbox.length = 0;
      }
      assert.ok(sent < 40_000, `still attached after ${sent} messages`);
      assert.equal((await detached).userID, 'slow');
      assert.equal(server.sessionState(APP_ID, 'slow'), 'grace');
      assert.equal((await sender.req('broadcast', { roomID: 'r-slow', message: 'after' })).code, 0);
      assert.equal(
        (await ok.push('broadcast', (m) => m.messages[0].message === 'after')).messages[0].fromUser.userID,
        'fast',
      );
      sender.close();
      ok.close();
      slow.ws.terminate();
    } finally {
      await server.close();
    }
  });
});

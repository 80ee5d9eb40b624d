/**
 * The RTMP gateway's pre-authorization limits with raw clients on loopback: the global cap of
 * unauthorized connections (authorized ones never count, never evicted), the small pre-auth buffer
 * raised once a publish is authorized, the slow-peer sweep, and the shared partial-message budget.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MessageType, writeMessage } from '../src/chunk-writer.js';
import { MediaServer, PendingBudget } from '../src/index.js';
import { clientScript, simpleC0C1, tags } from './helpers.js';
import { RawClient } from './procs.js';

describe('RTMP pre-authorization guard', () => {
  const servers: MediaServer[] = [];
  const clients: RawClient[] = [];
  after(async () => {
    for (const c of clients) c.socket.destroy();
    await Promise.all(servers.map((s) => s.close()));
  });
  const start = async (guard: ConstructorParameters<typeof MediaServer>[0]) => {
    const s = new MediaServer({ rtmpPort: 0, ...guard });
    servers.push(s);
    await s.listen();
    return s;
  };
  const client = (port: number) => {
    const c = new RawClient(port);
    clients.push(c);
    return c;
  };

  it('the global cap refuses unauthorized connections, never counts or evicts authorized ones', async () => {
    const srv = await start({ guard: { maxUnauthorizedPerAddress: 100, maxUnauthorized: 3 } });
    const pub = client(srv.rtmpPort);
    pub.write(...clientScript('publish', 'live', 'g1'));
    await pub.until(() => pub.out.codes().includes('NetStream.Publish.Start'));
    assert.equal(srv.unauthorizedConnections, 0, 'an authorized publisher left the unauthorized pool');
    const idle = Array.from({ length: 5 }, () => client(srv.rtmpPort));
    // Two of the five are closed at accept; three stay (idle) until their deadline.
    await Promise.race([Promise.all(idle.slice(0).map((c) => c.closed)), waitClosed(idle, 2)]);
    assert.equal(srv.refusals().find(([r]) => r === 'rtmp_unauth_cap_global')?.[1], 2);
    assert.equal(srv.unauthorizedConnections, 3);
    assert.equal(pub.socket.destroyed, false, 'the publisher is untouched');
    // Big media after authorization: the full limits apply, not the pre-auth 64 KiB.
    const big = Buffer.concat([tags.avcKey(1), Buffer.alloc(200_000, 7)]);
    pub.write(writeMessage(6, MessageType.VIDEO, 1, 0, tags.avcHeader, 128));
    pub.write(writeMessage(6, MessageType.VIDEO, 1, 40, big, 128));
    const v = client(srv.rtmpPort);
    // A fourth unauthorized connection is refused while three idle ones hold the cap…
    await v.closed;
    for (const c of idle) c.socket.destroy();
    await Promise.all(idle.map((c) => c.closed));
    await waitUntil(() => srv.unauthorizedConnections === 0);
    // …and once they are gone a player connects, is authorized and gets the header and the frame.
    const p = client(srv.rtmpPort);
    p.write(...clientScript('play', 'live', 'g1'));
    await p.until(() => p.videos().length >= 2);
    assert.ok((srv.streams()[0]?.bytesIn ?? 0) > 200_000, 'the 200 KB frame was accepted from the publisher');
  });

  it('an unauthorized peer is held to the small buffer; a stalled partial message is a slow peer', async () => {
    const srv = await start({ guard: { preAuthMaxPendingBytes: 4096, slowPeerMs: 200 } });
    const big = client(srv.rtmpPort);
    big.write(simpleC0C1(), Buffer.alloc(1536));
    // A command declaring 100 000 bytes before any authorization: refused at its header.
    const head = Buffer.from([0x03, 0, 0, 0, 0x01, 0x86, 0xa0, 20, 0, 0, 0, 0]);
    big.write(head, Buffer.alloc(128));
    await big.closed;
    const slow = client(srv.rtmpPort);
    slow.write(simpleC0C1(), Buffer.alloc(1536));
    slow.write(Buffer.from([0x03, 0, 0, 0, 0, 0x02, 0, 20, 0, 0, 0, 0]), Buffer.alloc(100));
    await slow.closed;
    const r = Object.fromEntries(srv.refusals());
    assert.equal(r.rtmp_preauth_buffer, 1);
    assert.equal(r.rtmp_slow_peer, 1);
  });

  it('PROXY protocol from a trusted proxy: the real client address is what limits and authorizer see', async () => {
    const seen: string[] = [];
    const srv = await start({
      trustedProxies: ['127.0.0.0/8'],
      guard: { maxUnauthorizedPerAddress: 1 },
      authorizer: {
        authorize: (r) => {
          seen.push(r.remoteAddress);
          return { ok: true };
        },
      },
    });
    const v1 = client(srv.rtmpPort);
    v1.write(
      Buffer.from('PROXY TCP4 203.0.113.7 127.0.0.1 50000 1935\r\n'),
      ...clientScript('publish', 'live', 'px1'),
    );
    await v1.until(() => v1.out.codes().includes('NetStream.Publish.Start'));
    // v2 (binary), IPv6 source.
    const addr = Buffer.from('20010db8000000000000000000000042', 'hex');
    const body = Buffer.concat([addr, Buffer.alloc(16), Buffer.from([0xc3, 0x50, 0x07, 0x8f])]);
    const v2head = Buffer.concat([
      Buffer.from([
        0x0d,
        0x0a,
        0x0d,
        0x0a,
        0x00,
        0x0d,
        0x0a,
        0x51,
        0x55,
        0x49,
        0x54,
        0x0a,
        0x21,
        0x21,
        0,
        body.length,
      ]),
      body,
    ]);
    const v2 = client(srv.rtmpPort);
    v2.write(v2head, ...clientScript('publish', 'live', 'px2'));
    await v2.until(() => v2.out.codes().includes('NetStream.Publish.Start'));
    assert.deepEqual(seen, ['203.0.113.7', '2001:db8:0:0:0:0:0:42']);
    // The per-address cap (1) applies to the real address: a second idle client "from" 198.51.100.1
    // is admitted, a third from the same address is not.
    const a = client(srv.rtmpPort);
    a.write(Buffer.from('PROXY TCP4 198.51.100.1 127.0.0.1 1 1935\r\n'));
    const b = client(srv.rtmpPort);
    b.write(Buffer.from('PROXY TCP4 198.51.100.1 127.0.0.1 2 1935\r\n'));
    await b.closed;
    assert.equal(a.socket.destroyed, false);
    // A malformed header from the trusted proxy is refused.
    const bad = client(srv.rtmpPort);
    bad.write(Buffer.from('PROXY BOGUS\r\n'));
    await bad.closed;
    const r = Object.fromEntries(srv.refusals());
    assert.equal(r.rtmp_unauth_cap_address, 1);
    assert.equal(r.rtmp_proxy_header, 1);
  });

  it('a shared budget bounds partial bytes across readers and is given back', () => {
    const b = new PendingBudget(1000);
    assert.ok(b.tryTake(600));
    assert.equal(b.tryTake(500), false);
    b.give(600);
    assert.ok(b.tryTake(1000));
    assert.equal(b.used, 1000);
  });
});

function waitUntil(pred: () => boolean): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (pred()) resolve();
      else if (Date.now() - t0 > 5000) reject(new Error('timed out'));
      else setTimeout(check, 10);
    };
    check();
  });
}

/** Resolves when at least `n` of `clients` have closed. */
function waitClosed(clients: RawClient[], n: number): Promise<void> {
  let done = 0;
  return new Promise((resolve) => {
    for (const c of clients)
      void c.closed.then(() => {
        if (++done === n) resolve();
      });
  });
}

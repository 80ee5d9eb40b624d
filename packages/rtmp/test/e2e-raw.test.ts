import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MessageType, writeMessage } from '../src/protocol/chunk-writer.js';
import { encodeAmf0 } from '../src/protocol/amf0.js';
import { inspectVideo } from '../src/protocol/codec.js';
import { FlvReader } from '../src/protocol/flv.js';
import { MediaServer } from '../src/index.js';
import { chunkSize4096, clientScript, command, tags } from './helpers.js';
import { RawClient } from './procs.js';

const T = { timeout: 60_000 };

describe('e2e with raw RTMP clients', { concurrency: false }, () => {
  let server: MediaServer;
  const clients: RawClient[] = [];
  const client = () => {
    const c = new RawClient(server.rtmpPort);
    clients.push(c);
    return c;
  };

  before(async () => {
    server = new MediaServer({
      rtmpPort: 0,
      playerMaxPendingBytes: 256 * 1024,
      playerMaxDropMs: 1000,
      handshakeTimeoutMs: 300,
      authorizer: { authorize: (r) => ({ ok: true, tag: { who: r.query.who } }) },
    });
    await server.listen();
  });

  after(async () => {
    for (const c of clients) c.socket.destroy();
    await server.close();
  });

  it('closes a player that stops reading, bounded, while a reading player keeps up', T, async () => {
    const pub = client();
    pub.write(...clientScript('publish', 'live', 'big'));
    await pub.until(() => pub.out.codes().includes('NetStream.Publish.Start'));
    pub.write(chunkSize4096, writeMessage(6, MessageType.VIDEO, 1, 0, tags.avcHeader, 4096));

    const fast = client();
    fast.write(...clientScript('play', 'live', 'big?who=fast'));
    const slow = client();
    slow.write(...clientScript('play', 'live', 'big?who=slow'));
    await slow.until(() => slow.out.codes().includes('NetStream.Play.Start'));
    await fast.until(() => fast.out.codes().includes('NetStream.Play.Start'));
    slow.socket.pause(); // stops reading: the kernel buffers fill, then the server's queue grows

    let slowStopped = false;
    const slowStop = new Promise<void>((resolve) => {
      server.on('playStop', (_info, _sid, tag) => {
        if ((tag as { who?: string }).who === 'slow') {
          slowStopped = true;
          resolve();
        }
      });
    });
    // Publish big frames as fast as the socket takes them until the hub gives up on the slow player.
    let sent = 0;
    let ts = 40;
    const t0 = Date.now();
    // Safety bound only: the hub closes the slow player ~1 s (playerMaxDropMs) after it starts dropping.
    for (let i = 0; !slowStopped && Date.now() - t0 < 30_000; i++) {
      const body = i % 10 === 0 ? tags.avcKey(100_000) : tags.avcInter(30_000);
      const bytes = writeMessage(6, MessageType.VIDEO, 1, ts, body, 4096);
      ts += 40;
      sent += bytes.length;
      if (!pub.socket.write(bytes)) await once(pub.socket, 'drain');
    }
    const elapsed = Date.now() - t0;
    assert.ok(slowStopped, `slow player was not closed after ${elapsed} ms / ${sent} bytes`);
    await slowStop;
    // A paused socket does not notice the server closing it; read again to see the close.
    slow.socket.resume();
    await slow.closed;
    // Everything it ever got (kernel buffers + the server's bounded queue) is far below the flood.
    const slowBytes = slow.socket.bytesRead;
    assert.ok(slowBytes < 48 * 1024 * 1024, `slow player received ${slowBytes} bytes`);
    // The reading player is still attached and gets keyframes after the slow one is gone.
    const keyframesBefore = fast.videos().filter((v) => inspectVideo(v).keyframe).length;
    for (let i = 0; i < 20; i++) {
      const body = i % 10 === 0 ? tags.avcKey(1000) : tags.avcInter(300);
      pub.write(writeMessage(6, MessageType.VIDEO, 1, ts, body, 4096));
      ts += 40;
    }
    await fast.until(
      () => fast.videos().filter((v) => inspectVideo(v).keyframe).length >= keyframesBefore + 2,
    );
    assert.equal(server.streams()[0]?.players, 1);
    // Recorded for the report: how much was pushed before the slow player was cut off.
    const mib = (n: number) => (n / 1048576).toFixed(1);
    console.log(
      `slow player closed ${elapsed} ms / ${mib(sent)} MiB into the flood; it received ${mib(slowBytes)} MiB`,
    );
  });

  it('closes a connection that never completes the handshake', T, async () => {
    const c = client();
    const t0 = performance.now();
    c.write(Buffer.from([3]), Buffer.alloc(100));
    await c.closed;
    const ms = performance.now() - t0;
    // The server closed it because of its 300 ms handshake timeout: not before, and not much after.
    assert.ok(ms >= 290 && ms < 300 + 2000, `closed after ${ms.toFixed(0)} ms (timeout 300 ms)`);
    assert.equal(c.out.messages.length, 0, 'nothing but the handshake bytes was sent');
  });

  it(
    'answers FCPublish/releaseStream/createStream and refuses a second publisher of a live key',
    T,
    async () => {
      const a = client();
      a.write(...clientScript('publish', 'live', 'dup'));
      await a.until(() => a.out.codes().includes('NetStream.Publish.Start'));
      const b = client();
      b.write(...clientScript('publish', 'live', 'dup'));
      await b.until(() => b.out.codes().includes('NetStream.Publish.BadName'));
      await b.closed;
      assert.equal(a.socket.destroyed, false);
    },
  );

  it('takes over from a still-connected publisher of the same owner, and expires the grace', T, async () => {
    const srv = new MediaServer({
      rtmpPort: 0,
      takeoverGraceMs: 300,
      // A still-connected publisher that went silent: any silence counts here (the 2 s default is
      // covered by the hub's unit test and the security suite).
      takeoverSilenceMs: 0,
      authorizer: { authorize: (r) => ({ ok: true, owner: r.query.user }) },
    });
    await srv.listen();
    const events: string[] = [];
    for (const ev of ['publishStart', 'publishReplaced', 'publishStop'] as const) {
      srv.on(ev, (_i: unknown, r?: unknown) => events.push(r ? `${ev}:${r}` : ev));
    }
    const mk = () => {
      const c = new RawClient(srv.rtmpPort);
      clients.push(c);
      return c;
    };
    try {
      const a = mk();
      a.write(...clientScript('publish', 'live', 'tk?user=alice'));
      await a.until(() => a.out.codes().includes('NetStream.Publish.Start'));
      a.write(writeMessage(6, MessageType.VIDEO, 1, 0, tags.avcHeader, 128));
      a.write(writeMessage(6, MessageType.VIDEO, 1, 1000, tags.avcKey(10), 128));
      const v = mk();
      v.write(...clientScript('play', 'live', 'tk'));
      await v.until(() => v.videos().length >= 2);
      const b = mk();
      b.write(...clientScript('publish', 'live', 'tk?user=alice'));
      await b.until(() => b.out.codes().includes('NetStream.Publish.Start'));
      await a.closed; // the stale publisher is closed by the takeover
      b.write(writeMessage(6, MessageType.VIDEO, 1, 0, tags.avcHeader, 128));
      b.write(writeMessage(6, MessageType.VIDEO, 1, 0, tags.avcKey(10), 128));
      await v.until(() => v.videos().length >= 4);
      const last = v.out.messages.filter((m) => m.typeId === MessageType.VIDEO).at(-1)!;
      assert.ok(last.timestamp > 1000, `timeline continues after takeover (${last.timestamp})`);
      assert.deepEqual(events, ['publishStart', 'publishReplaced']);
      // B vanishes: nobody comes back within 300 ms, so the stream ends and the player is closed.
      const stop = new Promise<string>((resolve) => srv.once('publishStop', (_i, r) => resolve(r)));
      b.socket.destroy();
      assert.equal(await stop, 'timeout');
      await v.closed;
      assert.ok(v.out.codes().includes('NetStream.Play.UnpublishNotify'));
    } finally {
      await srv.close();
    }
  });

  it('serves HTTP-FLV through handleHttp mounted on a host http.Server', T, async () => {
    const host = createServer((req, res) => {
      if (server.handleHttp(req, res)) return;
      res.statusCode = 418;
      res.end();
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const port = (host.address() as AddressInfo).port;
    try {
      const pub = client();
      pub.write(...clientScript('publish', 'live', 'mounted'));
      await pub.until(() => pub.out.codes().includes('NetStream.Publish.Start'));
      pub.write(
        writeMessage(
          5,
          MessageType.DATA_AMF0,
          1,
          0,
          encodeAmf0('@setDataFrame', 'onMetaData', { width: 2 }),
          128,
        ),
        writeMessage(6, MessageType.VIDEO, 1, 0, tags.avcHeader, 128),
        writeMessage(4, MessageType.AUDIO, 1, 0, tags.aacHeader, 128),
        writeMessage(6, MessageType.VIDEO, 1, 40, tags.avcKey(10), 128),
      );
      // Whether the player joins before or after this media reaches the hub, it gets the same
      // four tags: from the cache (metadata, headers, GOP) or live.
      const got = await new Promise<{ status: number; type: string; tags: number[] }>((resolve, reject) => {
        get(`http://127.0.0.1:${port}/live/mounted.flv`, (res) => {
          const reader = new FlvReader();
          const seen: number[] = [];
          res.on('data', (d: Buffer) => {
            for (const t of reader.push(d)) seen.push(t.type);
            if (seen.length >= 4) {
              res.destroy();
              resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), tags: seen });
            }
          });
        }).on('error', reject);
      });
      assert.deepEqual(got, { status: 200, type: 'video/x-flv', tags: [18, 9, 8, 9] });
      const other = await new Promise<number>((resolve, reject) => {
        get(`http://127.0.0.1:${port}/api/rooms`, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      });
      assert.equal(other, 418, 'requests that are not ours are left to the host');
    } finally {
      host.closeAllConnections();
      await new Promise<void>((resolve) => host.close(() => resolve()));
    }
  });

  it(
    'survives bugs (async and in feed): the client is closed, the error surfaced, the server keeps serving',
    T,
    async () => {
      const srv = new MediaServer({ rtmpPort: 0 });
      await srv.listen();
      let boom = true;
      srv.on('publishStart', () => {
        if (boom) throw new Error('listener bug');
      });
      const errors: Error[] = [];
      srv.on('error', (e) => errors.push(e));
      const mk = () => {
        const c = new RawClient(srv.rtmpPort);
        clients.push(c);
        return c;
      };
      try {
        const a = mk();
        const interrupted = new Promise<void>((resolve) => srv.once('publishInterrupted', () => resolve()));
        a.write(...clientScript('publish', 'live', 'bug'));
        await a.closed;
        await interrupted;
        assert.deepEqual(
          errors.map((e) => e.message),
          ['listener bug'],
        );
        // The failed publish did not leak: its key went to grace with the connection, not stuck live.
        assert.equal(srv.streams().find((x) => x.key === 'live/bug')?.state, 'grace');
        boom = false;
        const b = mk();
        b.write(...clientScript('publish', 'live', 'ok'));
        await b.until(() => b.out.codes().includes('NetStream.Publish.Start'));
        // A bug on the synchronous path (inside feed): a publishStop listener throws on a clean unpublish.
        srv.once('publishStop', () => {
          throw new Error('stop listener bug');
        });
        b.write(command(0, 'deleteStream', 6, null, 1));
        await b.closed;
        assert.deepEqual(
          errors.map((e) => e.message),
          ['listener bug', 'stop listener bug'],
        );
        const c = mk();
        c.write(...clientScript('publish', 'live', 'ok2'));
        await c.until(() => c.out.codes().includes('NetStream.Publish.Start'));
      } finally {
        await srv.close();
      }
    },
  );

  it('closes a connection idle both ways, but not a player that only receives', T, async () => {
    const srv = new MediaServer({ rtmpPort: 0, idleTimeoutMs: 300, publisherIdleTimeoutMs: 0 });
    await srv.listen();
    let feed: ReturnType<typeof setInterval> | undefined;
    try {
      const mk = () => {
        const c = new RawClient(srv.rtmpPort);
        clients.push(c);
        return c;
      };
      const pub = mk();
      pub.write(...clientScript('publish', 'live', 'busy'));
      await pub.until(() => pub.out.codes().includes('NetStream.Publish.Start'));
      pub.write(chunkSize4096, writeMessage(6, MessageType.VIDEO, 1, 0, tags.avcHeader, 4096));
      let ts = 0;
      feed = setInterval(() => {
        ts += 40;
        const body = ts % 400 === 40 ? tags.avcKey(500) : tags.avcInter(200);
        pub.write(writeMessage(6, MessageType.VIDEO, 1, ts, body, 4096));
      }, 40);
      // The player never writes after `play` (RawClient sends no acknowledgements): only the
      // server's writes to it show progress.
      const player = mk();
      player.write(...clientScript('play', 'live', 'busy'));
      await player.until(() => player.videos().length > 0);
      // Waits for a stream nobody publishes: no traffic either way after its play is answered.
      const silent = mk();
      silent.write(...clientScript('play', 'live', 'nobody'));
      await silent.until(() => silent.out.codes().includes('NetStream.Play.Start'));
      const t0 = performance.now();
      await silent.closed;
      const ms = performance.now() - t0;
      assert.ok(
        ms >= 250 && ms < 300 + 5000,
        `idle connection closed after ${ms.toFixed(0)} ms (limit 300 ms)`,
      );
      // The player, silent for longer than the limit, is still served.
      const seen = player.videos().length;
      await player.until(() => player.videos().length >= seen + 5);
      assert.equal(srv.streams().find((s) => s.key === 'live/busy')?.players, 1);
    } finally {
      clearInterval(feed);
      await srv.close();
    }
  });

  it('treats a silent publisher as gone: its stream enters grace', T, async () => {
    const srv = new MediaServer({ rtmpPort: 0, publisherIdleTimeoutMs: 200 });
    await srv.listen();
    try {
      const a = new RawClient(srv.rtmpPort);
      clients.push(a);
      const interrupted = new Promise<string>((resolve) =>
        srv.once('publishInterrupted', (i) => resolve(i.state)),
      );
      a.write(...clientScript('publish', 'live', 'quiet'));
      await a.until(() => a.out.codes().includes('NetStream.Publish.Start'));
      // It sends nothing more (a dead mobile link): the server closes it on its own.
      assert.equal(await interrupted, 'grace');
      await a.closed;
      assert.equal(srv.streams().find((s) => s.key === 'live/quiet')?.state, 'grace');
    } finally {
      await srv.close();
    }
  });
});

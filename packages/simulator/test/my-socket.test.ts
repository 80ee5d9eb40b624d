import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type WebSocket, WebSocketServer } from 'ws';
import { Simulator, TypedEmitter } from '../src/index.js';
import type { Payloads } from '../src/index.js';

const APP = fileURLToPath(new URL('./fixtures/mini-app', import.meta.url));
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

let wss: WebSocketServer;
let url: string;
const serverSide: { headers: Record<string, unknown>; received: (string | number[])[]; closes: number[] }[] =
  [];

// The server's side announces its changes so waits re-check on them too (no polling, no sleeps).
const server = new TypedEmitter<Payloads<{ changed: undefined }>>();
const changed = (): void => {
  server.emit('changed', undefined);
};
const until = <T>(sim: Simulator, cond: () => T | undefined | null | false): Promise<T> =>
  sim.waitUntil(cond, { also: [server] });

before(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`;
  wss.on('connection', (ws: WebSocket, req) => {
    const rec = {
      headers: { ...req.headers },
      received: [] as (string | number[])[],
      closes: [] as number[],
    };
    serverSide.push(rec);
    changed();
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      rec.received.push(isBinary ? [...data] : data.toString());
      if (!isBinary) ws.send(`echo:${data.toString()}`);
      if (!isBinary && data.toString() === 'binary please') ws.send(Buffer.from([1, 2, 3]));
      changed();
    });
    ws.on('close', (code) => {
      rec.closes.push(code);
      changed();
    });
  });
});

const sims: Simulator[] = [];
after(async () => {
  await Promise.all(sims.map((s) => s.close()));
  for (const c of wss.clients) c.terminate();
  await new Promise((r) => wss.close(r));
});

async function load(): Promise<Simulator> {
  const sim = await Simulator.load(APP, { name: 'sock' });
  sims.push(sim);
  return sim;
}
const log = (sim: Simulator): string[] => plain(sim.run('globalThis.log')) as string[];

describe('my.* sockets (global form)', () => {
  it('connects with headers, exchanges text and base64 binary, closes with callbacks', async () => {
    const sim = await load();
    sim.run(`
      globalThis.log = [];
      my.onSocketOpen(() => { log.push('open'); my.sendSocketMessage({ data: 'binary please' }); });
      my.onSocketMessage((res) => log.push('msg:' + res.data + ':' + res.isBuffer));
      my.onSocketClose((res) => log.push('close:' + res.code));
      my.connectSocket({ url: ${JSON.stringify(url)}, headers: { 'x-user': 'alice' }, success: () => log.push('connect-ok') });
    `);
    await until(sim, () => log(sim).includes('msg:AQID:true'));
    assert.deepEqual(log(sim), ['connect-ok', 'open', 'msg:echo:binary please:false', 'msg:AQID:true']);
    const srv = serverSide.at(-1)!;
    assert.equal(srv.headers['x-user'], 'alice');
    sim.run(`my.sendSocketMessage({ data: 'CQg=', isBuffer: true, success: () => log.push('sent') });`);
    await until(sim, () => srv.received.length === 2);
    assert.deepEqual(srv.received[1], [9, 8]);
    sim.run('my.closeSocket({ code: 1000 })');
    await until(sim, () => log(sim).includes('close:1000'));
    await until(sim, () => srv.closes.length === 1 || undefined);
    assert.deepEqual(srv.closes, [1000]);
    assert.equal(sim.openSockets, 0);
  });

  it('keeps one global socket: a second connectSocket closes the first; offSocketMessage unsubscribes', async () => {
    const sim = await load();
    const before = serverSide.length;
    sim.run(`
      globalThis.log = [];
      globalThis.onMsg = (res) => log.push('msg:' + res.data);
      my.onSocketMessage(onMsg);
      my.onSocketOpen(() => { log.push('open'); my.sendSocketMessage({ data: 'n' + log.length }); });
      my.connectSocket({ url: ${JSON.stringify(url)} });
    `);
    await until(sim, () => log(sim).some((l) => l.startsWith('msg:')));
    sim.run(`my.connectSocket({ url: ${JSON.stringify(url)} });`);
    await until(sim, () => serverSide.length === before + 2 && serverSide[before]!.closes.length === 1);
    assert.equal(sim.openSockets, 1);
    await until(sim, () => log(sim).filter((l) => l.startsWith('msg:')).length === 2);
    sim.run(
      `my.offSocketMessage(onMsg); my.sendSocketMessage({ data: 'after-off', success: () => log.push('sent') });`,
    );
    await until(sim, () => serverSide[before + 1]!.received.includes('after-off'));
    await until(sim, () => log(sim).includes('sent'));
    assert.equal(log(sim).filter((l) => l.includes('after-off')).length, 0);
  });
});

describe('my.* sockets: refused connections', () => {
  it('calls fail and reports error then close for a malformed URL, without throwing into the app', async () => {
    const sim = await load();
    sim.run(`
      globalThis.log = [];
      const t = my.connectSocket({ url: 'http-not-ws://x', multiple: true, fail: (e) => log.push('fail:' + e.error) });
      t.onError(() => log.push('error'));
      t.onClose((r) => log.push('close:' + r.code));
    `);
    await until(sim, () => log(sim).length === 3);
    assert.deepEqual(log(sim), ['error', 'close:1006', 'fail:12']);
  });
});

describe('my.* sockets (SocketTask form)', () => {
  it('runs several tasks at once with their own listeners; binary arrives as an ArrayBuffer of the app realm', async () => {
    const sim = await load();
    sim.run(`
      globalThis.log = [];
      const mk = (name) => {
        const t = my.connectSocket({ url: ${JSON.stringify(url)}, multiple: true });
        t.onOpen(() => { log.push(name + ':open'); t.send({ data: name === 'a' ? 'binary please' : 'plain' }); });
        t.onMessage((res) => log.push(name + ':' + (typeof res.data === 'string'
          ? res.data : (res.data instanceof ArrayBuffer) + '/' + Array.from(new Uint8Array(res.data)).join(','))));
        t.onClose((res) => log.push(name + ':close:' + res.code));
        return t;
      };
      globalThis.ta = mk('a');
      globalThis.tb = mk('b');
    `);
    await until(sim, () => log(sim).includes('a:true/1,2,3') && log(sim).includes('b:echo:plain'));
    assert.ok(log(sim).includes('a:echo:binary please'));
    assert.ok(!log(sim).some((l) => l.startsWith('b:') && l.includes('binary')), 'listeners are per task');
    sim.run('ta.send({ data: new Uint8Array([7, 7]).buffer }); ta.close({ code: 1000 });');
    await until(sim, () => log(sim).includes('a:close:1000'));
    assert.equal(sim.openSockets, 1);
  });
});

describe('network faults', () => {
  it('dropNetwork closes every socket and reports offline; connecting and requests then fail; restore recovers', async () => {
    const sim = await load();
    sim.run(`
      globalThis.log = [];
      my.onNetworkStatusChange((r) => log.push('net:' + r.isConnected + ':' + r.networkType));
      my.onSocketOpen(() => log.push('g:open'));
      my.onSocketClose((r) => log.push('g:close:' + r.code));
      my.onSocketError(() => log.push('g:error'));
      my.connectSocket({ url: ${JSON.stringify(url)} });
      globalThis.t = my.connectSocket({ url: ${JSON.stringify(url)}, multiple: true });
      t.onOpen(() => log.push('t:open'));
      t.onClose((r) => log.push('t:close:' + r.code));
    `);
    await until(sim, () => log(sim).includes('g:open') && log(sim).includes('t:open'));
    const n = serverSide.length;
    await sim.dropNetwork();
    await until(sim, () => log(sim).includes('g:close:1006') && log(sim).includes('t:close:1006'));
    assert.ok(log(sim).includes('net:false:NONE'));
    await until(sim, () => serverSide[n - 1]!.closes.length === 1 && serverSide[n - 2]!.closes.length === 1);
    sim.run(`
      my.connectSocket({ url: ${JSON.stringify(url)} });
      my.request({ url: 'http://127.0.0.1:1/', fail: (e) => log.push('req:fail:' + e.error) });
      my.getNetworkType({ success: (r) => log.push('type:' + r.networkType) });
    `);
    await until(sim, () => log(sim).includes('req:fail:12') && log(sim).includes('type:NONE'));
    await until(sim, () => log(sim).filter((l) => l === 'g:close:1006').length === 2);
    assert.ok(log(sim).includes('g:error'));
    assert.equal(serverSide.length, n, 'no connection reached the server while offline');
    sim.restoreNetwork();
    assert.ok(log(sim).includes('net:true:WIFI'));
    sim.run(`my.connectSocket({ url: ${JSON.stringify(url)} });`);
    await until(sim, () => log(sim).filter((l) => l === 'g:open').length === 2);
  });
});

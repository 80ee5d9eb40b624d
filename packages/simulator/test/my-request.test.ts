import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Simulator, TypedEmitter } from '../src/index.js';
import type { Payloads } from '../src/index.js';

const APP = fileURLToPath(new URL('./fixtures/mini-app', import.meta.url));
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

let http: Server;
let base: string;
const hanging = new Set<ServerResponse>();
// Announces requests reaching the server, so a wait can re-check on them.
const served = new TypedEmitter<Payloads<{ request: undefined }>>();

before(async () => {
  http = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      if (req.url === '/missing') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"reason":"nope"}');
      } else if (req.url === '/hang') {
        hanging.add(res);
        served.emit('request', undefined);
      } else if (req.url === '/not-json') {
        res.writeHead(200).end('plain <b>text</b>');
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': 'test' });
        res.end(
          JSON.stringify({
            method: req.method,
            url: req.url,
            type: req.headers['content-type'] ?? null,
            body,
          }),
        );
      }
    });
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

let sim: Simulator;
before(async () => {
  sim = await Simulator.load(APP, { name: 'http' });
});
after(async () => {
  await sim.close();
  for (const r of hanging) r.destroy();
  http.closeAllConnections();
  await new Promise((r) => http.close(r));
});

/** Runs `my.request(<opts>)` in the app and resolves with the callback that fired: [kind, payload]. */
async function request(opts: string): Promise<[string, Record<string, unknown>]> {
  const key = `r${Math.random().toString(36).slice(2)}`;
  sim.run(`globalThis.${key} = [];
    my.request(Object.assign(${opts}, {
      success: (r) => ${key}.push(['success', Object.assign(r, { appRealm: r.data instanceof Object })]),
      fail: (e) => ${key}.push(['fail', e]),
      complete: () => ${key}.push(['complete']),
    }));`);
  await sim.waitUntil(() => (sim.run(`${key}.length`) as number) === 2);
  const calls = sim.run(key) as [string, Record<string, unknown>][];
  assert.equal(calls[1]![0], 'complete', 'complete comes after success/fail');
  return calls[0]!;
}

describe('my.request over real HTTP', () => {
  it('GET appends data as a query and parses JSON into app-realm objects', async () => {
    const [kind, res] = await request(`{ url: '${base}/echo?a=1', data: { b: 'x y', n: 2 } }`);
    assert.equal(kind, 'success');
    assert.equal(res['status'], 200);
    assert.deepEqual(plain(res['data']), { method: 'GET', url: '/echo?a=1&b=x+y&n=2', type: null, body: '' });
    assert.equal((res['headers'] as Record<string, string>)['x-served-by'], 'test');
    assert.equal(res['appRealm'], true, 'data passes instanceof Object inside the app');
  });

  it('POST sends a form by default and JSON when the content-type says so', async () => {
    const [, form] = await request(`{ url: '${base}/p', method: 'POST', data: { a: 1, b: 'two' } }`);
    assert.deepEqual(plain(form['data']), {
      method: 'POST',
      url: '/p',
      type: 'application/x-www-form-urlencoded',
      body: 'a=1&b=two',
    });
    const [, json] = await request(
      `{ url: '${base}/p', method: 'POST', headers: { 'Content-Type': 'application/json' }, data: { a: [1] } }`,
    );
    assert.equal((json['data'] as Record<string, unknown>)['body'], '{"a":[1]}');
  });

  it('fails with Alipay error numbers: 19 on HTTP 404, 14 on bad JSON, 13 on timeout', async () => {
    const [k404, e404] = await request(`{ url: '${base}/missing' }`);
    assert.equal(k404, 'fail');
    assert.equal(e404['error'], 19);
    assert.equal(e404['status'], 404);
    const [kJson, eJson] = await request(`{ url: '${base}/not-json' }`);
    assert.deepEqual([kJson, eJson['error']], ['fail', 14]);
    const [kText, text] = await request(`{ url: '${base}/not-json', dataType: 'text' }`);
    assert.deepEqual([kText, text['data']], ['success', 'plain <b>text</b>']);
    const [kT, eT] = await request(`{ url: '${base}/hang', timeout: 150 }`);
    assert.deepEqual([kT, eT['error']], ['fail', 13]);
  });

  it('fails a request in flight with 12 when the network drops', async () => {
    const pending = request(`{ url: '${base}/hang' }`);
    await sim.waitUntil(() => hanging.size === 2 || undefined, { also: [served] });
    await sim.dropNetwork();
    const [kind, err] = await pending;
    sim.restoreNetwork();
    assert.deepEqual([kind, err['error'], err['errorMessage']], ['fail', 12, 'network lost']);
  });

  it('fails with 12 when the server is unreachable', async () => {
    const [kind, err] = await request(`{ url: 'http://127.0.0.1:1/' }`);
    assert.deepEqual([kind, err['error']], ['fail', 12]);
  });
});

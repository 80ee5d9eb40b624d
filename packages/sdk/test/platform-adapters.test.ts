import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloseCode } from '@minirtc/protocol';
import { createAlipayPlatform } from '../src/platform-alipay.js';
import type { AlipayMy } from '../src/platform-alipay.js';
import { deferredSocket, wrapStandardSocket } from '../src/socket-adapter.js';
import type { StandardWebSocket } from '../src/socket-adapter.js';
import { readFileSync, readdirSync } from 'node:fs';

test('the SDK takes protocol constants from @minirtc/protocol/lite, never copies them', () => {
  const dir = new URL('../src/', import.meta.url);
  const src = readFileSync(new URL('connection.ts', dir), 'utf8');
  assert.match(src, /import \{[^}]*\bCloseCode\b[^}]*\bPUSH_TYPES\b[^}]*\} from '@minirtc\/protocol\/lite'/);
  assert.doesNotMatch(src, /const CloseCode =/, 'no local copy of the close codes');
  assert.equal(CloseCode.KICKED, 4001, "the constants the connection reacts to are the protocol's");
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const text = readFileSync(new URL(f, dir), 'utf8');
    assert.doesNotMatch(text, /from '@minirtc\/protocol'/, `${f} imports the full protocol entry`);
  }
});

/** A `my` with only the old single-socket API, recording calls. */
function oldMy() {
  const calls: string[] = [];
  const h: Record<string, ((r: unknown) => void)[]> = {};
  // `never` parameters: assignable to every typed Alipay callback slot.
  const on = (k: string) => (cb: (r: never) => void) => {
    calls.push(`on${k}`);
    h[k] = [...(h[k] ?? []), cb as (r: unknown) => void];
  };
  const off = (k: string) => (cb?: (r: never) => void) => {
    calls.push(`off${k}`);
    h[k] = cb ? (h[k] ?? []).filter((x) => x !== cb) : [];
  };
  const my: AlipayMy = {
    connectSocket: () => {
      calls.push('connect');
      return undefined;
    },
    onSocketOpen: on('open'),
    offSocketOpen: off('open'),
    onSocketMessage: on('message'),
    offSocketMessage: off('message'),
    onSocketError: on('error'),
    offSocketError: off('error'),
    onSocketClose: on('close'),
    offSocketClose: off('close'),
    sendSocketMessage: (o) => calls.push(`send ${o.data}`),
    closeSocket: () => calls.push('closeSocket'),
  };
  const fire = (k: string, r: unknown) => {
    for (const cb of (h[k] ?? []).slice()) cb(r);
  };
  return { my, calls, fire, handlers: h };
}

test('Alipay global socket API: messages (plain or nested data), one close, listeners removed', () => {
  const { my, calls, fire, handlers } = oldMy();
  const s = createAlipayPlatform(my).connect('wss://x/ws');
  const got: string[] = [];
  const closes: number[] = [];
  let opened = false;
  s.onOpen(() => {
    opened = true;
  });
  s.onMessage((d) => got.push(d));
  s.onClose((c) => closes.push(c));
  fire('open', {});
  fire('message', { data: 'a' });
  fire('message', { data: { data: 'b' } });
  fire('message', { data: new ArrayBuffer(2) });
  s.send('out');
  fire('close', { code: 1006 });
  fire('close', { code: 1006 });
  fire('message', { data: 'late' });
  assert.equal(opened, true);
  assert.deepEqual(got, ['a', 'b']);
  assert.deepEqual(closes, [1006]);
  assert.ok(calls.includes('send out'));
  assert.equal(handlers.message?.length, 0, 'listeners removed so the next socket does not hear this one');
});

test('Alipay global socket API: close() finishes even if the base library fires no onSocketClose', () => {
  const { my, calls } = oldMy();
  const s = createAlipayPlatform(my).connect('wss://x/ws');
  const closes: number[] = [];
  s.onClose((c) => closes.push(c));
  s.close(1000, 'bye');
  assert.deepEqual(closes, [1000]);
  assert.ok(calls.includes('closeSocket'));
});

test('Alipay request: JSON string body, status from status or statusCode, failures reject', async () => {
  const sent: unknown[] = [];
  let mode: 'ok' | 'fail' = 'ok';
  const my: AlipayMy = {
    connectSocket: () => undefined,
    request: (o) => {
      sent.push(o.data);
      if (mode === 'ok') o.success?.({ statusCode: 201, data: 'fine' });
      else o.fail?.({ error: 12, errorMessage: 'offline' });
    },
  };
  const p = createAlipayPlatform(my);
  const res = await p.request({ url: 'https://x/httplog', method: 'POST', data: { a: 1 } });
  assert.deepEqual(res, { status: 201, data: 'fine' });
  assert.equal(sent[0], '{"a":1}');
  mode = 'fail';
  await assert.rejects(p.request({ url: 'https://x/httplog', method: 'POST' }), /offline/);
  assert.equal((await p.checkRequirements()).code, 1000006, 'no <rtc-room> here');
});

test('standard socket wrapper: text only, one close, unsafe close codes mapped to 1000', () => {
  const closed: [number | undefined, string | undefined][] = [];
  const ws: StandardWebSocket = {
    send() {},
    close(code, reason) {
      closed.push([code, reason]);
    },
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
  };
  const s = wrapStandardSocket(ws);
  const got: string[] = [];
  const closes: number[] = [];
  s.onMessage((d) => got.push(d));
  s.onClose((c) => closes.push(c));
  ws.onmessage?.({ data: 'text' });
  ws.onmessage?.({ data: new Uint8Array(1) });
  s.close(1006, 'x');
  s.close(4000, 'y');
  ws.onclose?.({ code: 1000 });
  ws.onclose?.({ code: 1000 });
  assert.deepEqual(got, ['text']);
  assert.deepEqual(closes, [1000]);
  assert.deepEqual(closed, [
    [1000, 'x'],
    [4000, 'y'],
  ]);
});

test('deferred socket replays calls once the implementation arrives, and reports a failed load as a close', async () => {
  const order: string[] = [];
  let resolve: (s: ReturnType<typeof wrapStandardSocket>) => void = () => {};
  const s = deferredSocket(new Promise((r) => (resolve = r)));
  s.onOpen(() => order.push('open'));
  s.send('early');
  resolve({
    send: (d) => order.push(`send ${d}`),
    close() {},
    onOpen: (cb) => cb(),
    onMessage() {},
    onClose() {},
    onError() {},
  });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, ['open', 'send early']);

  const failed = deferredSocket(Promise.reject(new Error('no ws')));
  const codes: number[] = [];
  failed.onClose((c) => codes.push(c));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(codes, [1006]);
});

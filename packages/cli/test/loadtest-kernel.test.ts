import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listenOverflows, parseListenOverflows } from '../src/loadtest-kernel.js';

test('ListenOverflows is read from the TcpExt lines of /proc/net/netstat', () => {
  const text = [
    'TcpExt: SyncookiesSent DelayedACKs ListenOverflows ListenDrops',
    'TcpExt: 0 812 125 125',
    'IpExt: InNoRoutes ListenOverflows',
    'IpExt: 0 9',
  ].join('\n');
  assert.equal(parseListenOverflows(text), 125);
  assert.equal(parseListenOverflows('TcpExt: SyncookiesSent\nTcpExt: 0\n'), null, 'no such counter');
  assert.equal(parseListenOverflows(''), null);
});

test('this host has the counter (Linux)', () => {
  const n = listenOverflows();
  assert.ok(n !== null && n >= 0, `read ${n}`);
});

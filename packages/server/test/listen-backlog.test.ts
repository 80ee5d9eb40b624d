import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MediaServer } from '@minirtc/rtmp';
import { listenBacklog, somaxconn } from '@minirtc/testkit';
import { LISTEN_BACKLOG } from '../src/defaults.js';
import { startServer } from './helpers.js';

// What the kernel grants: the asked length capped by somaxconn. Node's default (511) must not be it.
const expected = Math.min(LISTEN_BACKLOG, somaxconn());
const skip =
  expected <= 511 ? `net.core.somaxconn is ${somaxconn()}: cannot tell from Node's default` : false;

test('the signaling listener asks the kernel for a long accept queue', { skip }, async () => {
  const server = await startServer();
  try {
    assert.equal(listenBacklog(server.port), expected);
  } finally {
    await server.close();
  }
});

test('the RTMP listener asks the kernel for a long accept queue', { skip }, async () => {
  const media = new MediaServer({ host: '127.0.0.1', rtmpPort: 0, httpPort: null });
  await media.listen();
  try {
    assert.equal(listenBacklog(media.rtmpPort), expected);
  } finally {
    await media.close();
  }
});

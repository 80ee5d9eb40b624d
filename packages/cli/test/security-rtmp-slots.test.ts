/**
 * Security suite — RTMP slot exhaustion (issue 8, item 2), against a real `minirtc start` process.
 * 400 sockets that only connect, plus a peer dribbling one byte at a time: the per-address cap of
 * unauthorized connections refuses all but 16 at once, the authorization deadline closes those, and
 * the canary call (an authorized publisher and player, which never count) keeps decoding frames.
 */
import assert from 'node:assert/strict';
import { type Socket, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { play } from '@minirtc/testkit';
import {
  type Canary,
  type NodeProcess,
  mib,
  refusals,
  rtmpHandshake,
  rtmpPartialMessage,
  spawnNodeWithCanary,
} from './security-helpers.js';

const FLOOD = 400;

describe('security: RTMP slot flood', { timeout: 180_000 }, () => {
  let node: NodeProcess;
  let canary: Canary;
  before(async () => {
    ({ node, canary } = await spawnNodeWithCanary('minirtc-sec-slots-', {
      'security.rtmpAuthDeadlineMs': '2000',
    }));
  });
  after(async () => {
    await canary?.close();
    await node?.stop();
  });

  it('idle and dribbling sockets are capped and closed; the canary keeps playing', async (t) => {
    const rssBefore = node.rss();
    const framesBefore = canary.frames();
    const closed: Promise<void>[] = [];
    const sockets: Socket[] = [];
    for (let i = 0; i < FLOOD; i++) {
      const s = connect(node.rtmpPort, '127.0.0.1');
      s.on('error', () => {});
      s.resume(); // read what the server sends, so its close is seen
      sockets.push(s);
      closed.push(new Promise((resolve) => s.once('close', () => resolve())));
    }
    // One more that completes the handshake and then sends a message one byte at a time.
    const dribbler = connect(node.rtmpPort, '127.0.0.1');
    dribbler.on('error', () => {});
    dribbler.resume();
    const dribbleClosed = new Promise<void>((resolve) => dribbler.once('close', () => resolve()));
    const bytes = Buffer.concat([rtmpHandshake(), rtmpPartialMessage(4000, 4000)]);
    let at = 0;
    const drip = setInterval(() => {
      if (dribbler.destroyed || at >= bytes.length) return;
      const next = at + (at < 3073 ? 3073 : 1); // the handshake at once, then a byte at a time
      dribbler.write(bytes.subarray(at, next));
      at = next;
    }, 50);
    try {
      // While the flood is on, the canary decodes frames and a new authorized player can still start
      // (authorized connections never count against the unauthorized caps).
      await canary.moreFrames(25);
      const rssDuring = node.rss();
      await Promise.all([...closed, dribbleClosed]);
      const r = await refusals(node.http);
      const byCap = r.rtmp_unauth_cap_address ?? 0;
      assert.ok(byCap >= FLOOD + 1 - 16, `refused at accept by the per-address cap: ${byCap}`);
      assert.ok((r.rtmp_auth_deadline ?? 0) >= 1, 'the admitted ones were closed at the deadline');
      await canary.moreFrames(25);
      // The slots are free again: a second player from the same address starts and decodes.
      const late = play(canary.pullUrl, 30);
      try {
        await late.waitFrames(10);
      } finally {
        await late.kill();
      }
      const rssAfter = node.rss();
      t.diagnostic(
        `slot flood: ${FLOOD} sockets + 1 dribbler; refused at accept ${byCap}, closed at the deadline ${r.rtmp_auth_deadline ?? 0}, slow peers ${r.rtmp_slow_peer ?? 0}; canary decoded ${canary.frames() - framesBefore} video frames during the flood; RSS before ${mib(rssBefore)}, during ${mib(rssDuring)}, after ${mib(rssAfter)}`,
      );
      assert.equal(canary.push.proc.exitCode, null, 'the canary publisher is still running');
    } finally {
      clearInterval(drip);
      for (const s of sockets) s.destroy();
      dribbler.destroy();
    }
  });
});

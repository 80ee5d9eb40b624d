import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoadtestSummary } from '../src/loadtest-stats.js';
import { main } from '../src/main.js';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

// A smoke test of the tool, not a measurement: small sizes, no timed assertions.
describe('minirtc loadtest', () => {
  it('starts a server, logs 6 users into 2 rooms, delivers every broadcast, reports the figures', async () => {
    const r = await run([
      'loadtest',
      '--users',
      '6',
      '--rooms',
      '2',
      '--rate',
      '50',
      '--messages',
      '2',
      '--json',
    ]);
    assert.equal(r.code, 0, r.err);
    const s = JSON.parse(r.out) as LoadtestSummary;
    assert.equal(s.loggedIn, 6);
    assert.equal(s.failed, 0);
    assert.equal(s.broadcastsSent, 4); // 2 messages × 2 rooms
    assert.equal(s.broadcastExpected, 8); // each to the 2 other members of its room
    assert.equal(s.broadcastDeliveries, 8);
    assert.ok(s.login && s.login.p50 > 0 && s.login.p99 >= s.login.p50);
    assert.ok(s.fanout && s.fanout.max >= s.fanout.p50);
    // A user in a room of its own pinged through the broadcasts (at least one round trip).
    assert.ok(
      s.probe && s.probe.count >= 1 && s.probe.max >= s.probe.p50 && s.probe.p50 > 0,
      JSON.stringify(s.probe),
    );
    assert.ok(s.loginsPerSecond > 0);
    assert.equal(typeof s.serverRssIdle, 'number', 'RSS read from the server’s /metrics');
    assert.equal(typeof s.rssPerSessionBytes, 'number');
    assert.equal(typeof s.listenOverflows, 'number', 'the host kernel counter, read around the logins');
    // Each user got at least the broadcasts of its room's sender (the sender itself gets none).
    assert.ok(s.pushesPerUser >= (2 * 4) / 6);
  });

  it('publishers push real media (ffmpeg over RTMP) and each is reported live', async () => {
    const r = await run(['loadtest', '--users', '4', '--rooms', '2', '--publishers', '3', '--json']);
    assert.equal(r.code, 0, r.err);
    const s = JSON.parse(r.out) as LoadtestSummary;
    assert.equal(s.publishers, 3);
    assert.equal(s.publishersLive, 3, 'the server said "live" for every pushed stream');
    assert.ok(s.toLive && s.toLive.p50 > 0 && s.toLive.max >= s.toLive.p50);
    const text = await run(['loadtest', '--users', '1', '--publishers', '1', '--rate', '20']);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /publishers 1\/1 live, push start → live p50 [\d.]+ ms/);
  });

  it('the text summary names each figure', async () => {
    const r = await run(['loadtest', '--users', '2', '--rate', '20']);
    assert.equal(r.code, 0, r.err);
    for (const w of ['logins/s', 'login ', 'per idle session', '2/2 logged in'])
      assert.ok(r.out.includes(w), w);
  });

  it('refuses bad options before starting anything', async () => {
    const zero = await run(['loadtest', '--users', '0']);
    assert.equal(zero.code, 1);
    assert.match(zero.err, /error 1100001: --users must be a whole number from 1 to 20000/);
    const noCreds = await run(['loadtest', '--server', 'ws://127.0.0.1:1/ws']);
    assert.equal(noCreds.code, 1);
    assert.match(noCreds.err, /--server needs --app-id and --secret/);
    const tooMany = await run(['loadtest', '--users', '2', '--publishers', '3']);
    assert.equal(tooMany.code, 1);
    assert.match(tooMany.err, /--publishers must be a whole number from 0 to 2/);
    const noFile = await run(['loadtest', '--publishers', '1', '--media', '/nonexistent/clip.flv']);
    assert.equal(noFile.code, 1);
    assert.match(noFile.err, /--media: no such file: \/nonexistent\/clip.flv/);
    const badList = await run(['loadtest', '--server', 'ws://127.0.0.1:1/ws,http://x/ws']);
    assert.equal(badList.code, 1);
    assert.match(badList.err, /--server must be a ws:\/\/ or wss:\/\/ URL, or up to 16/);
    const badRooms = await run(['loadtest', '--users', '2', '--rooms', '3']);
    assert.equal(badRooms.code, 1);
    assert.match(badRooms.err, /--rooms must be a whole number from 1 to 2/);
  });
});

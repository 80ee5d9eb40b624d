import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@minirtc/protocol';
import type { MediaStreamStat } from '../src/metrics/server-metrics.js';
import type { MiniRtcServer } from '../src/server.js';
import type { Db } from '../src/store/database.js';
import { APP_ID, event, loginClient } from './helpers.js';
import { Receiver, admin, startOpsServer, stopOpsServer } from './ops-helpers.js';

/** The value of one series in an exposition (undefined when absent). */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  const receiver = new Receiver();
  let s: { server: MiniRtcServer; db: Db };
  const stats: MediaStreamStat[] = [];
  before(async () => {
    await receiver.up();
    receiver.mode = 'fail';
    s = await startOpsServer({
      callbackUrl: receiver.url,
      webhooks: { retryBaseMs: 5000 },
      mediaStats: () => stats,
    });
  });
  after(async () => {
    await stopOpsServer(s);
    await receiver.down();
  });

  it('counts a scripted call exactly', async () => {
    const scrape = async () => {
      const r = await fetch(`${s.server.httpUrl}/metrics`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      return r.text();
    };
    const empty = await scrape();
    assert.equal(value(empty, 'minirtc_sessions'), 0);
    assert.equal(value(empty, 'minirtc_login_duration_seconds_count'), 0);

    const failed = event<{ ok: boolean }>(s.server, 'webhookAttempt');
    const { c: a } = await loginClient(s.server, 'm-a', 'm-room');
    const { c: b } = await loginClient(s.server, 'm-b', 'm-room');
    assert.equal((await a.req('publish', { roomID: 'm-room', streamID: 'm-s' })).code, 0);
    s.server.media.streamLive(APP_ID, 'm-s');
    assert.equal((await b.req('play', { roomID: 'm-room', streamID: 'm-s' })).code, 0);
    assert.equal(
      (await b.req('play', { roomID: 'm-room', streamID: 'nope' })).code,
      ErrorCode.STREAM_NOT_FOUND,
    );
    assert.equal(
      (await b.req('play', { roomID: 'elsewhere', streamID: 'm-s' })).code,
      ErrorCode.NOT_LOGGED_IN,
    );
    s.server.reportMedia({
      appID: APP_ID,
      streamID: 'm-s',
      kind: 'publishStart',
      userID: 'm-a',
      roomID: 'm-room',
    });
    stats.push({ appID: APP_ID, streamID: 'm-s', players: 1, bytesIn: 1000, bytesOut: 700, bitrate: 64000 });
    assert.equal((await failed).ok, false);
    assert.equal((await admin(s.server, 'GET', '/apps/1/rooms')).status, 404);

    const t = await scrape();
    assert.equal(value(t, 'minirtc_sessions'), 2);
    assert.equal(value(t, 'minirtc_connections'), 2);
    assert.equal(value(t, 'minirtc_rooms'), 1);
    assert.equal(value(t, 'minirtc_room_members'), 2);
    assert.equal(value(t, 'minirtc_streams_live'), 1);
    assert.equal(value(t, 'minirtc_logins_total'), 2);
    assert.equal(value(t, 'minirtc_login_duration_seconds_count'), 2);
    assert.equal(value(t, 'minirtc_login_duration_seconds_bucket{le="+Inf"}'), 2);
    assert.equal(
      value(t, 'minirtc_login_duration_seconds_bucket{le="1"}'),
      2,
      'a login takes far less than 1 s',
    );
    assert.ok((value(t, 'minirtc_login_duration_seconds_sum') ?? -1) > 0);
    assert.equal(value(t, 'minirtc_publish_requests_total'), 1);
    assert.equal(value(t, 'minirtc_play_requests_total'), 1);
    assert.equal(value(t, 'minirtc_requests_total{type="play"}'), 3);
    assert.equal(
      value(t, `minirtc_errors_total{code="${ErrorCode.STREAM_NOT_FOUND}",source="signaling"}`),
      1,
    );
    assert.equal(value(t, `minirtc_errors_total{code="${ErrorCode.NOT_LOGGED_IN}",source="signaling"}`), 1);
    assert.equal(value(t, `minirtc_errors_total{code="${ErrorCode.API_APP_NOT_FOUND}",source="api"}`), 1);
    assert.equal(value(t, 'minirtc_media_events_total{kind="publishStart"}'), 1);
    assert.equal(value(t, 'minirtc_media_bytes_in'), 1000);
    assert.ok((value(t, 'minirtc_process_resident_memory_bytes') ?? 0) > 1e6);
    assert.ok((value(t, 'minirtc_eventloop_delay_seconds{quantile="0.99"}') ?? -1) >= 0);
    assert.equal(value(t, 'minirtc_media_bytes_out'), 700);
    assert.equal(value(t, 'minirtc_media_players'), 1);
    assert.equal(value(t, 'minirtc_webhook_deliveries_total{result="failed"}'), 1);
    assert.equal(value(t, 'minirtc_webhook_failures_total{event="room_create"}'), 1);
    // room_create (head, failing, retried in 5 s) + 2 logins + stream_create wait behind it.
    assert.equal(value(t, 'minirtc_webhook_pending'), 4);

    const detached = event(s.server, 'sessionDetached');
    a.close();
    await detached;
    const after = await scrape();
    assert.equal(value(after, 'minirtc_logouts_total{reason="grace"}'), undefined, 'still in grace');
    assert.equal(value(after, 'minirtc_sessions_in_grace'), 1);
    b.close();
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ErrorCode } from '@minirtc/protocol';
import type { MediaStreamStat } from '../src/metrics/server-metrics.js';
import { openDatabase } from '../src/store/database.js';
import { SqliteAppStore } from '../src/store/sqlite-app-store.js';
import { APP_ID, loginClient } from './helpers.js';
import { type Json, admin, startOpsServer, stopOpsServer } from './ops-helpers.js';

describe('SQLite store', () => {
  it('apps survive a reopen; upsert pins a secret; the file is owner-only', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'minirtc-store-')), 'minirtc.db');
    const db = openDatabase(path);
    const apps = new SqliteAppStore(db);
    const a = apps.create({ name: 'a', callbackUrl: 'http://x/cb', maxRoomMembers: 3 });
    apps.rotate(a.appID, 'callback');
    const rotated = apps.get(a.appID);
    db.close();
    const again = new SqliteAppStore(openDatabase(path));
    assert.deepEqual(again.get(a.appID), rotated);
    assert.equal(statSync(path).mode & 0o777, 0o600);

    const secret = '0123456789abcdef0123456789abcdef';
    assert.equal(again.upsert({ appID: a.appID, serverSecret: secret }).serverSecret, secret);
    assert.equal(again.get(a.appID)?.callbackUrl, 'http://x/cb', 'the rest is kept');
    assert.throws(
      () => again.create({ name: 'dup', appID: a.appID }),
      (e: { code: number }) => e.code === ErrorCode.INVALID_PARAM,
    );
    assert.throws(() => again.create({ name: 'short', serverSecret: 'x' }), /32 bytes/);
    assert.throws(
      () => again.update(1, { name: 'x' }),
      (e: { code: number }) => e.code === ErrorCode.API_APP_NOT_FOUND,
    );
    assert.equal(again.remove(a.appID), true);
    assert.equal(again.get(a.appID), undefined);
  });

  it('the timeline samples the bitrate of live streams from the stats provider', async () => {
    let calls = 0;
    let onCall: (() => void) | null = null;
    const stats: MediaStreamStat[] = [
      { appID: APP_ID, streamID: 'bs', players: 2, bytesIn: 5000, bytesOut: 9000, bitrate: 800_000 },
    ];
    const s = await startOpsServer({
      bitrateSampleMs: 10,
      mediaStats: () => {
        calls += 1;
        onCall?.();
        return stats;
      },
    });
    try {
      const { c } = await loginClient(s.server, 'bs-u', 'bs-room');
      assert.equal((await c.req('publish', { roomID: 'bs-room', streamID: 'bs' })).code, 0);
      s.server.media.streamLive(APP_ID, 'bs');
      // Each sampler tick reads the provider, then writes synchronously: two reads after going live
      // mean at least one sample is written.
      const start = calls;
      await new Promise<void>((resolve) => {
        onCall = () => {
          if (calls >= start + 2) resolve();
        };
      });
      onCall = null;
      const tl = (await admin(s.server, 'GET', `/apps/${APP_ID}/timeline?roomID=bs-room`)).body
        .events as Json[];
      const sample = tl.find((e) => e.type === 'media.bitrate');
      assert.ok(sample, tl.map((e) => e.type).join(', '));
      assert.equal(sample.userID, 'bs-u');
      assert.deepEqual(sample.detail, { bitrate: 800_000, players: 2, bytesIn: 5000, bytesOut: 9000 });
      c.close();
    } finally {
      await stopOpsServer(s);
    }
  });
});

/** Recording pieces that need no ffmpeg: signed links, the durable store, retention. */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryAppStore } from '../src/app-store.js';
import { silentLogger } from '../src/logger.js';
import { signRecordingPath, verifyRecordingLink } from '../src/recording/download-urls.js';
import { RecordingService } from '../src/recording/recording-service.js';
import { openDatabase } from '../src/store/database.js';

const secret = '0123456789abcdef0123456789abcdef';

describe('recording links', () => {
  it('verify until they expire, and not when tampered or signed by another secret', () => {
    const now = 1_700_000_000_000;
    const path = signRecordingPath(secret, 7, 'task-abc', 60, now);
    const u = new URL(path, 'http://x');
    const exp = u.searchParams.get('expire');
    const sig = u.searchParams.get('sig');
    assert.equal(verifyRecordingLink(secret, 7, 'task-abc', exp, sig, now), 'ok');
    assert.equal(verifyRecordingLink(secret, 7, 'task-abc', exp, sig, now + 61_000), 'expired');
    assert.equal(verifyRecordingLink(secret, 7, 'task-abd', exp, sig, now), 'bad');
    assert.equal(verifyRecordingLink(secret, 8, 'task-abc', exp, sig, now), 'bad');
    assert.equal(verifyRecordingLink(secret, 7, 'task-abc', String(Number(exp) + 1), sig, now), 'bad');
    assert.equal(verifyRecordingLink(`x${secret.slice(1)}`, 7, 'task-abc', exp, sig, now), 'bad');
    assert.equal(verifyRecordingLink(secret, 7, 'task-abc', null, sig, now), 'bad');
  });
});

describe('recording retention', () => {
  it('deletes ready files older than the app retention and keeps the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'minirtc-rec-unit-'));
    const db = openDatabase(':memory:');
    const svc = new RecordingService(
      {
        events: new EventEmitter(),
        apps: new MemoryAppStore([{ appID: 7, serverSecret: secret }]),
        db,
        log: silentLogger,
        liveStreams: () => [],
        pullUrl: () => 'rtmp://127.0.0.1:1/live/x',
        webhook: () => {},
      },
      { dir },
    );
    const now = Date.now();
    const day = 86_400_000;
    const put = (id: string, endedAt: number): string => {
      const fileName = `${id}.mp4`;
      writeFileSync(join(dir, '7', fileName), 'x');
      svc.store.addFile({
        id,
        taskID: 't',
        appID: 7,
        roomID: 'r',
        streamID: 's',
        userID: 'u',
        state: 'ready',
        tempPath: join(dir, '7', `.${id}.flv`),
        fileName,
        pid: null,
        startedAt: endedAt - 1000,
        endedAt,
        durationMs: 1000,
        size: 1,
        streams: [],
        storage: 'local',
        error: null,
      });
      return join(dir, '7', fileName);
    };
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, '7'), { recursive: true });
    const old = put('old', now - 3 * day);
    const fresh = put('fresh', now - day / 2);
    assert.equal(await svc.applyRetention(now), 0, 'no retention set: nothing goes');
    svc.setSettings(7, { retentionDays: 2, autoRecord: 'off', prefixes: [] });
    assert.equal(await svc.applyRetention(now), 1);
    assert.equal(existsSync(old), false);
    assert.equal(existsSync(fresh), true);
    assert.equal(svc.store.file('old'), undefined);
    assert.ok(svc.store.file('fresh'));
    await svc.close();
    db.close();
  });
});

/**
 * Issue 15 acceptance (storage): a recording uploaded to a local S3-compatible server (s3rver, started
 * here) by multipart upload from the durable queue; the server goes away after the first part and
 * comes back on the same port: the upload resumes and completes, byte for byte.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { silentLogger } from '../src/logger.js';
import { S3Storage, type UploadJob } from '../src/recording/s3-storage.js';
import { openDatabase } from '../src/store/database.js';

const BUCKET = 'recordings';

async function startS3(dir: string, port: number): Promise<{ s3: S3rver; port: number }> {
  const s3 = new S3rver({
    address: '127.0.0.1',
    port,
    directory: dir,
    silent: true,
    configureBuckets: [{ name: BUCKET, configs: [] }],
  });
  const addr = (await s3.run()) as AddressInfo;
  return { s3, port: addr.port };
}

async function stopS3(s3: S3rver): Promise<void> {
  const http = (s3 as unknown as { httpServer: Server }).httpServer;
  http.closeAllConnections();
  await s3.close();
}

describe('S3-compatible recording storage', { timeout: 60_000 }, () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('resumes a multipart upload after the storage was down mid-upload', async () => {
    const s3dir = mkdtempSync(join(tmpdir(), 'minirtc-s3rver-'));
    let { s3, port } = await startS3(s3dir, 0);
    let s3Up = true;
    cleanups.push(async () => {
      if (s3Up) await stopS3(s3);
    });
    const work = mkdtempSync(join(tmpdir(), 'minirtc-s3-src-'));
    const file = join(work, 'call.mp4');
    const bytes = randomBytes(5 * 1024 * 1024 + 123_457);
    writeFileSync(file, bytes);
    const db = openDatabase(':memory:');
    const storage = new S3Storage(
      {
        endpoint: `http://127.0.0.1:${port}`,
        region: 'us-east-1',
        bucket: BUCKET,
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
        prefix: 'rec/',
        partSize: 1024 * 1024,
        retryBaseMs: 100,
      },
      db,
      silentLogger,
    );
    cleanups.push(() => {
      storage.close();
      db.close();
    });

    const retried = once(storage, 'retry') as Promise<[UploadJob, string]>;
    const uploaded = once(storage, 'uploaded') as Promise<[UploadJob]>;
    // Down after the first part has been stored.
    storage.once('part', () => {
      s3Up = false;
      void stopS3(s3);
    });
    await storage.store(42, 'call.mp4', file);
    const [job, why] = await retried;
    assert.ok(job.parts.length >= 1, 'the parts sent before the outage are kept in the queue');
    assert.ok(why.length > 0);
    assert.equal(storage.pending().length, 1, 'the upload waits in the durable queue');

    ({ s3 } = await startS3(s3dir, port));
    s3Up = true;
    const [done] = await uploaded;
    assert.equal(done.parts.length, 6, '6 parts of 1 MiB (the last one shorter)');
    assert.ok(done.attempts >= 1);
    assert.equal(storage.pending().length, 0);

    const got = await storage.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'rec/42/call.mp4' }));
    const body = Buffer.from(
      await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    assert.equal(body.length, bytes.length);
    assert.equal(
      createHash('sha256').update(body).digest('hex'),
      createHash('sha256').update(bytes).digest('hex'),
    );
    assert.throws(() => readFileSync(file), /ENOENT/, 'the local copy goes once the object is stored');
  });
});

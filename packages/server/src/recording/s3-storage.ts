import { EventEmitter } from 'node:events';
import { open, rm, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { Logger } from '../logger.js';
import type { Db } from '../store/database.js';
import type { RecordingStorage } from './recording-service.js';

/** Where and how recordings are uploaded. */
export interface S3StorageOptions {
  /** S3-compatible endpoint, e.g. `http://127.0.0.1:4568` or `https://s3.eu-west-1.amazonaws.com`. */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Key prefix; objects are `<prefix><appID>/<fileName>`. */
  prefix?: string;
  /** Path-style URLs (MinIO, s3rver); default true when an endpoint is given. */
  forcePathStyle?: boolean;
  /** Multipart part size, bytes; at least 5 MiB for real S3. Default 8 MiB. */
  partSize?: number;
  /** Keep the local copy after the upload (default false: the node serves downloads from the bucket). */
  keepLocal?: boolean;
  /** First retry delay, ms (doubles up to 5 min). Default 1000. */
  retryBaseMs?: number;
}

/** One queued upload, as stored. */
export interface UploadJob {
  id: number;
  appID: number;
  fileName: string;
  localPath: string;
  key: string;
  uploadId: string | null;
  parts: { PartNumber: number; ETag: string }[];
  attempts: number;
  nextAt: number;
  doneAt: number | null;
  lastError: string | null;
}

/** Events of {@link S3Storage} (tests and logs). */
export interface S3StorageEvents {
  part: [job: UploadJob, partNumber: number];
  retry: [job: UploadJob, error: string];
  uploaded: [job: UploadJob];
}

interface JobRow {
  id: number;
  app_id: number;
  file_name: string;
  local_path: string;
  s3_key: string;
  upload_id: string | null;
  parts: string;
  attempts: number;
  next_at: number;
  done_at: number | null;
  last_error: string | null;
}

const toJob = (r: JobRow): UploadJob => ({
  id: r.id,
  appID: r.app_id,
  fileName: r.file_name,
  localPath: r.local_path,
  key: r.s3_key,
  uploadId: r.upload_id,
  parts: JSON.parse(r.parts) as UploadJob['parts'],
  attempts: r.attempts,
  nextAt: r.next_at,
  doneAt: r.done_at,
  lastError: r.last_error,
});

/**
 * Recordings in S3-compatible object storage. Each finished file becomes a row in a durable queue
 * (SQLite) and is sent as a multipart upload; every completed part's ETag is written to the row, so a
 * failure (storage down, node restarted) resumes from the next part with the same upload ID, after a
 * backoff. If the storage forgot the upload (NoSuchUpload), the file starts over.
 */
export class S3Storage extends EventEmitter<S3StorageEvents> implements RecordingStorage {
  readonly kind = 's3';
  readonly client: S3Client;
  readonly #partSize: number;
  readonly #base: number;
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #closed = false;

  constructor(
    private readonly opts: S3StorageOptions,
    private readonly db: Db,
    private readonly log: Logger,
  ) {
    super();
    this.client = new S3Client({
      region: opts.region,
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      forcePathStyle: opts.forcePathStyle ?? opts.endpoint !== undefined,
      credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
      // The durable queue retries (and survives restarts); the SDK's own retries would only hide failures.
      maxAttempts: 1,
    });
    this.#partSize = Math.max(opts.partSize ?? 8 * 1024 * 1024, 64 * 1024);
    this.#base = opts.retryBaseMs ?? 1000;
    db.exec(`
      CREATE TABLE IF NOT EXISTS s3_uploads (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        app_id INTEGER NOT NULL,
        file_name TEXT NOT NULL,
        local_path TEXT NOT NULL,
        s3_key TEXT NOT NULL,
        upload_id TEXT,
        parts TEXT NOT NULL DEFAULT '[]',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER NOT NULL,
        done_at INTEGER,
        last_error TEXT
      );
      CREATE INDEX IF NOT EXISTS s3_uploads_pending ON s3_uploads (next_at) WHERE done_at IS NULL;
    `);
  }

  /** The object key of a file. */
  keyOf(appID: number, fileName: string): string {
    return `${this.opts.prefix ?? ''}${appID}/${fileName}`;
  }

  /** Queues a finished file and starts sending it. */
  async store(appID: number, fileName: string, localPath: string): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO s3_uploads (app_id, file_name, local_path, s3_key, next_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(appID, fileName, localPath, this.keyOf(appID, fileName), Date.now());
    this.kick();
  }

  /** Deletes the object (and any queued upload of it). */
  async remove(appID: number, fileName: string): Promise<void> {
    this.db.prepare('DELETE FROM s3_uploads WHERE app_id = ? AND file_name = ?').run(appID, fileName);
    await this.client.send(
      new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: this.keyOf(appID, fileName) }),
    );
  }

  /** Whether the file is in the bucket yet. */
  uploaded(appID: number, fileName: string): boolean {
    const r = this.db
      .prepare('SELECT done_at FROM s3_uploads WHERE app_id = ? AND file_name = ? ORDER BY id DESC LIMIT 1')
      .get(appID, fileName) as { done_at: number | null } | undefined;
    return r?.done_at != null;
  }

  /** Reads an uploaded object (optionally a byte range), for downloads when no local copy is kept. */
  async read(
    appID: number,
    fileName: string,
    range?: string,
  ): Promise<{ body: Readable; size: number; range?: string }> {
    const out = await this.client.send(
      new GetObjectCommand({
        Bucket: this.opts.bucket,
        Key: this.keyOf(appID, fileName),
        ...(range ? { Range: range } : {}),
      }),
    );
    return {
      body: out.Body as Readable,
      size: Number(out.ContentLength ?? 0),
      ...(out.ContentRange ? { range: out.ContentRange } : {}),
    };
  }

  /** Uploads not finished yet. */
  pending(): UploadJob[] {
    return (
      this.db.prepare('SELECT * FROM s3_uploads WHERE done_at IS NULL ORDER BY id').all() as JobRow[]
    ).map(toJob);
  }

  /** Looks for due uploads now. */
  kick(): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    void this.#pump();
  }

  /** Stops retrying (the queue stays for the next start). */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.client.destroy();
  }

  async #pump(): Promise<void> {
    if (this.#running || this.#closed) return;
    this.#running = true;
    try {
      for (;;) {
        const due = this.pending().filter((j) => j.nextAt <= Date.now());
        if (due.length === 0) break;
        for (const j of due) await this.#send(j);
      }
    } finally {
      this.#running = false;
    }
    const next = this.pending().reduce((m, j) => Math.min(m, j.nextAt), Number.POSITIVE_INFINITY);
    if (Number.isFinite(next) && !this.#closed) {
      this.#timer = setTimeout(() => this.kick(), Math.max(0, next - Date.now()));
      this.#timer.unref();
    }
  }

  #save(j: UploadJob): void {
    this.db
      .prepare(
        'UPDATE s3_uploads SET upload_id = ?, parts = ?, attempts = ?, next_at = ?, done_at = ?, last_error = ? WHERE id = ?',
      )
      .run(j.uploadId, JSON.stringify(j.parts), j.attempts, j.nextAt, j.doneAt, j.lastError, j.id);
  }

  async #send(j: UploadJob): Promise<void> {
    const Bucket = this.opts.bucket;
    try {
      const size = (await stat(j.localPath)).size;
      if (!j.uploadId) {
        const c = await this.client.send(
          new CreateMultipartUploadCommand({ Bucket, Key: j.key, ContentType: 'video/mp4' }),
        );
        j.uploadId = c.UploadId ?? null;
        j.parts = [];
        this.#save(j);
      }
      const total = Math.max(1, Math.ceil(size / this.#partSize));
      const fh = await open(j.localPath, 'r');
      try {
        for (let n = j.parts.length + 1; n <= total; n++) {
          const start = (n - 1) * this.#partSize;
          const len = Math.min(this.#partSize, size - start);
          const buf = Buffer.alloc(len);
          await fh.read(buf, 0, len, start);
          const p = await this.client.send(
            new UploadPartCommand({
              Bucket,
              Key: j.key,
              UploadId: j.uploadId as string,
              PartNumber: n,
              Body: buf,
            }),
          );
          j.parts.push({ PartNumber: n, ETag: p.ETag ?? '' });
          this.#save(j);
          this.emit('part', j, n);
        }
      } finally {
        await fh.close();
      }
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key: j.key,
          UploadId: j.uploadId as string,
          MultipartUpload: { Parts: j.parts },
        }),
      );
      j.doneAt = Date.now();
      j.lastError = null;
      this.#save(j);
      if (!this.opts.keepLocal) await rm(j.localPath, { force: true });
      this.log.info({ key: j.key, parts: j.parts.length }, 'recording uploaded');
      this.emit('uploaded', j);
    } catch (e) {
      const err = e as Error & { name?: string };
      if (err.name === 'NoSuchUpload') {
        // The storage lost the upload: start the file over.
        j.uploadId = null;
        j.parts = [];
      }
      j.attempts += 1;
      j.lastError = `${err.name ?? 'Error'}: ${err.message}`.slice(0, 500);
      j.nextAt = Date.now() + Math.min(this.#base * 2 ** Math.min(j.attempts - 1, 16), 300_000);
      this.#save(j);
      this.log.warn(
        { key: j.key, attempts: j.attempts, err: j.lastError },
        'recording upload failed; will retry',
      );
      this.emit('retry', j, j.lastError);
    }
  }
}

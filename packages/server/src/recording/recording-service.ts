import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import type { AppStore } from '../app-store.js';
import type { ServerEvents } from '../events.js';
import type { Logger } from '../logger.js';
import type { Db } from '../store/database.js';
import { type FfmpegPaths, pidAlive, probe, remuxToMp4, spawnRecorder } from './ffmpeg-tools.js';
import { S3Storage, type S3StorageOptions } from './s3-storage.js';
import {
  type RecordTaskRow,
  type RecordingRow,
  type RecordingSettings,
  RecordingStore,
} from './recording-store.js';

/** Settings of the recording service. */
export interface RecordingOptions {
  /** Directory of temporary and finished files (`<dir>/<appID>/…`). */
  dir: string;
  ffmpegPath?: string;
  ffprobePath?: string;
  /** Lifetime of signed download links, seconds; default 3600. */
  urlTtlSeconds?: number;
  /** How often retention runs, ms; default one hour. */
  retentionIntervalMs?: number;
  /** Where a finished file goes after it is written locally (default: it stays in `dir`). */
  storage?: RecordingStorage;
  /** S3-compatible storage (used when `storage` is not given). */
  s3?: S3StorageOptions;
}

/** Where finished recordings are kept beyond the local directory. */
export interface RecordingStorage {
  /** `local`, `s3`, … (stored with the file). */
  readonly kind: string;
  /** Takes a finished local file; may keep it or move it (e.g. queue an upload). */
  store(appID: number, fileName: string, localPath: string): Promise<void>;
  /** Deletes a stored file (retention, DELETE). */
  remove(appID: number, fileName: string, localPath: string): Promise<void>;
  /** Reads a stored file whose local copy is gone (downloads); `range` is an HTTP Range value. */
  read?(
    appID: number,
    fileName: string,
    range?: string,
  ): Promise<{ body: NodeJS.ReadableStream; size: number; range?: string }>;
  /** Resumes queued work (after a restart). */
  kick?(): void;
  /** Stops background work. */
  close?(): void;
}

/** What the service needs from the server around it. */
export interface RecordingHost {
  events: EventEmitter<ServerEvents>;
  apps: AppStore;
  db: Db;
  log: Logger;
  /** Live streams of a room now (streamID, publisher). */
  liveStreams(appID: number, roomID: string): { streamID: string; userID: string }[];
  /** A signed pull URL the recorder's ffmpeg can play (RTMP or HTTP-FLV). */
  pullUrl(appID: number, roomID: string, streamID: string): string;
  /** Queues a webhook for the app (only apps with a callback get it) and wakes the dispatcher. */
  webhook(appID: number, roomID: string, event: string, payload: Record<string, unknown>): void;
}

/** Events of {@link RecordingService}, for tests, metrics and the timeline. */
export interface RecordingEvents {
  started: [r: RecordingRow];
  ready: [r: RecordingRow];
  failed: [r: RecordingRow];
}

/** A task as the API shows it. */
export interface TaskView extends RecordTaskRow {
  files: RecordingRow[];
}

interface Active {
  row: RecordingRow;
  proc: ChildProcess;
  exited: Promise<void>;
}

/** A 16-character task ID, like ZEGO's. */
function newTaskID(): string {
  return randomBytes(12).toString('base64url').slice(0, 16);
}

/**
 * Cloud recording, self-hosted: a task names a room (and optionally some of its streams); every
 * matching stream that goes live gets an ffmpeg pulling it from our gateway into a temporary FLV,
 * which is remuxed into an MP4 only once the stream ended or the task stopped. A row in SQLite is
 * written before ffmpeg starts, so a crash leaves a known temp file that {@link start} finalizes.
 */
export class RecordingService extends EventEmitter<RecordingEvents> {
  readonly store: RecordingStore;
  readonly #active = new Map<string, Active>();
  readonly #finalizing = new Set<Promise<void>>();
  readonly #paths: FfmpegPaths;
  readonly #dir: string;
  readonly #storage: RecordingStorage | undefined;
  readonly urlTtlSeconds: number;
  #retention: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(
    private readonly host: RecordingHost,
    private readonly opts: RecordingOptions,
  ) {
    super();
    this.store = new RecordingStore(host.db);
    this.#paths = { ffmpeg: opts.ffmpegPath ?? 'ffmpeg', ffprobe: opts.ffprobePath ?? 'ffprobe' };
    this.#dir = opts.dir;
    this.#storage = opts.storage ?? (opts.s3 ? new S3Storage(opts.s3, host.db, host.log) : undefined);
    this.urlTtlSeconds = opts.urlTtlSeconds ?? 3600;
    mkdirSync(this.#dir, { recursive: true });
    host.events.on('streamLive', (e) => this.#onStreamLive(e.appID, e.roomID, e.streamID, e.userID));
    host.events.on('roomClosed', (e) => {
      for (const t of this.store.ongoingTasks(e.appID, e.roomID)) {
        if (t.source === 'rule') this.stopTask(t.appID, t.taskID);
      }
    });
  }

  /** Where finished files go beyond the local directory, if anywhere. */
  get storage(): RecordingStorage | undefined {
    return this.#storage;
  }

  /** Number of files being written now (for `/metrics`). */
  get activeCount(): number {
    return this.#active.size;
  }

  /** Finalizes what a crash left behind, then starts retention. */
  async start(): Promise<void> {
    for (const r of this.store.unfinished()) {
      if (this.#active.has(r.id)) continue;
      this.host.log.info(
        { id: r.id, streamID: r.streamID },
        'recording interrupted by a restart: finalizing',
      );
      await this.#stopOrphan(r);
      this.#track(this.#finalize(r));
    }
    this.#storage?.kick?.();
    const every = this.opts.retentionIntervalMs ?? 3_600_000;
    this.#retention ??= setInterval(() => void this.applyRetention(), every);
    this.#retention.unref();
    await this.applyRetention();
  }

  /** Starts recording a room's streams (all of them, or `streamIDs`); already-live ones start now. */
  startTask(
    appID: number,
    roomID: string,
    streamIDs: string[] | null,
    source: 'api' | 'rule',
  ): RecordTaskRow {
    if (this.#closed) throw new MiniRtcError(ErrorCode.INTERNAL_ERROR, 'recording service is closed');
    const task: RecordTaskRow = {
      taskID: newTaskID(),
      appID,
      roomID,
      streamIDs: streamIDs && streamIDs.length > 0 ? [...new Set(streamIDs)] : null,
      source,
      status: 2,
      createdAt: Date.now(),
      endedAt: null,
    };
    this.store.addTask(task);
    for (const s of this.host.liveStreams(appID, roomID)) {
      if (!task.streamIDs || task.streamIDs.includes(s.streamID)) this.#begin(task, s.streamID, s.userID);
    }
    return task;
  }

  /**
   * Stops a task: its ffmpegs are asked to finish (SIGINT writes the FLV trailer) and each file is
   * finalized. Resolves when the files are ready (or failed).
   */
  async stopTask(appID: number, taskID: string): Promise<TaskView> {
    const t = this.store.task(taskID);
    if (!t || t.appID !== appID) throw new MiniRtcError(ErrorCode.API_NOT_FOUND, 'no such recording task');
    if (t.status === 2) this.store.endTask(taskID, Date.now());
    const waits: Promise<void>[] = [];
    for (const a of this.#active.values()) {
      if (a.row.taskID !== taskID) continue;
      a.proc.kill('SIGINT');
      waits.push(a.exited);
    }
    await Promise.all(waits);
    await Promise.all([...this.#finalizing]);
    return this.task(appID, taskID);
  }

  /** A task with its files. */
  task(appID: number, taskID: string): TaskView {
    const t = this.store.task(taskID);
    if (!t || t.appID !== appID) throw new MiniRtcError(ErrorCode.API_NOT_FOUND, 'no such recording task');
    return { ...t, files: this.store.filesOfTask(taskID) };
  }

  /** The local path of a ready file (for serving), or null. */
  localPath(r: RecordingRow): string | null {
    return r.state === 'ready' && r.fileName ? join(this.#dir, String(r.appID), r.fileName) : null;
  }

  /** Deletes a finished file and its row. */
  async deleteFile(appID: number, id: string): Promise<void> {
    const r = this.store.file(id);
    if (!r || r.appID !== appID) throw new MiniRtcError(ErrorCode.API_NOT_FOUND, 'no such recording');
    if (r.state === 'recording' || r.state === 'finalizing') {
      throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'the recording is still being written');
    }
    await this.#removeStored(r);
    this.store.deleteFile(id);
  }

  /** Applies every app's retention: ready/failed files older than its `retentionDays` go. */
  async applyRetention(now = Date.now()): Promise<number> {
    let n = 0;
    for (const appID of this.store.appsWithSettings()) {
      const days = this.store.settings(appID).retentionDays;
      if (days <= 0) continue;
      for (const r of this.store.expired(appID, now - days * 86_400_000)) {
        try {
          await this.#removeStored(r);
          this.store.deleteFile(r.id);
          n++;
        } catch (err) {
          this.host.log.warn({ err, id: r.id }, 'retention: could not delete a recording');
        }
      }
    }
    return n;
  }

  /** Stores an app's settings (auto-record rules, retention). */
  setSettings(appID: number, s: RecordingSettings): RecordingSettings {
    this.store.setSettings(appID, s);
    return this.store.settings(appID);
  }

  /** Stops every ffmpeg (files are finalized) and waits for finalization. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retention) clearInterval(this.#retention);
    this.#retention = null;
    const waits = [...this.#active.values()].map((a) => {
      a.proc.kill('SIGINT');
      return a.exited;
    });
    await Promise.all(waits);
    await Promise.all([...this.#finalizing]);
    this.#storage?.close?.();
  }

  #onStreamLive(appID: number, roomID: string, streamID: string, userID: string): void {
    if (this.#closed) return;
    let tasks = this.store.ongoingTasks(appID, roomID);
    if (tasks.length === 0 && this.#ruleMatches(appID, roomID)) {
      tasks = [this.startTask(appID, roomID, null, 'rule')];
      return; // startTask began the live streams, this one included.
    }
    for (const t of tasks) {
      if (!t.streamIDs || t.streamIDs.includes(streamID)) this.#begin(t, streamID, userID);
    }
  }

  #ruleMatches(appID: number, roomID: string): boolean {
    const s = this.store.settings(appID);
    if (s.autoRecord === 'all') return true;
    return s.autoRecord === 'prefix' && s.prefixes.some((p) => roomID.startsWith(p));
  }

  #begin(task: RecordTaskRow, streamID: string, userID: string): void {
    for (const a of this.#active.values()) {
      if (a.row.taskID === task.taskID && a.row.streamID === streamID) return;
    }
    const id = `${task.taskID}-${randomBytes(6).toString('hex')}`;
    const appDir = join(this.#dir, String(task.appID));
    mkdirSync(appDir, { recursive: true });
    const row: RecordingRow = {
      id,
      taskID: task.taskID,
      appID: task.appID,
      roomID: task.roomID,
      streamID,
      userID,
      state: 'recording',
      tempPath: join(appDir, `.${id}.flv`),
      fileName: null,
      pid: null,
      startedAt: Date.now(),
      endedAt: null,
      durationMs: null,
      size: null,
      streams: null,
      storage: null,
      error: null,
    };
    let url: string;
    try {
      url = this.host.pullUrl(task.appID, task.roomID, streamID);
    } catch (err) {
      this.host.log.warn({ err, streamID }, 'recording: no pull URL');
      return;
    }
    // The row exists before the process: a crash in between leaves a row whose temp file is missing,
    // which finalize marks failed rather than forgetting.
    this.store.addFile(row);
    const proc = spawnRecorder(this.#paths, url, row.tempPath);
    let err = '';
    proc.stderr?.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-2000);
    });
    const exited = new Promise<void>((resolve) => {
      proc.once('error', (e) => {
        err += String(e);
      });
      proc.once('close', (code) => {
        this.#active.delete(id);
        if (code !== 0 && code !== 255)
          this.host.log.info({ id, code, err: err.slice(-300) }, 'recorder ffmpeg exited');
        const cur = this.store.file(id) ?? row;
        this.#track(this.#finalize(cur));
        resolve();
      });
    });
    if (proc.pid !== undefined) {
      row.pid = proc.pid;
      this.store.updateFile(id, { pid: proc.pid });
    }
    this.#active.set(id, { row, proc, exited });
    this.host.log.info({ id, appID: task.appID, roomID: task.roomID, streamID }, 'recording started');
    this.emit('started', row);
  }

  #track(p: Promise<void>): void {
    this.#finalizing.add(p);
    void p.finally(() => this.#finalizing.delete(p));
  }

  /** A restart found a row still `recording`: make sure its old ffmpeg is gone before touching the file. */
  async #stopOrphan(r: RecordingRow): Promise<void> {
    if (!r.pid || !pidAlive(r.pid)) return;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${r.pid}/cmdline`, 'utf8');
    } catch {
      return;
    }
    // The pid may have been reused by an unrelated process: only ours names the temp file.
    if (!cmd.includes(r.tempPath)) return;
    try {
      process.kill(r.pid, 'SIGINT');
    } catch {
      return;
    }
    for (let i = 0; i < 50 && pidAlive(r.pid); i++) await new Promise((res) => setTimeout(res, 100));
    if (pidAlive(r.pid)) process.kill(r.pid, 'SIGKILL');
  }

  /** temp FLV → MP4 (atomic rename), probe, store, webhook. A file with no media is marked failed. */
  async #finalize(r: RecordingRow): Promise<void> {
    const endedAt = r.endedAt ?? Date.now();
    this.store.updateFile(r.id, { state: 'finalizing', endedAt, pid: null });
    const fileName = `${r.roomID}_${r.streamID}_${r.startedAt}.mp4`.replace(/[^A-Za-z0-9_.-]/g, '_');
    const appDir = join(this.#dir, String(r.appID));
    const final = join(appDir, fileName);
    const part = `${final}.part`;
    try {
      const st = await stat(r.tempPath).catch(() => null);
      if (!st || st.size <= 13) throw new Error('no media was recorded');
      await remuxToMp4(this.#paths, r.tempPath, part);
      await rename(part, final);
      const p = await probe(this.#paths, final);
      const storage = this.#storage?.kind ?? 'local';
      this.store.updateFile(r.id, {
        state: 'ready',
        fileName,
        durationMs: p.durationMs,
        size: p.size,
        streams: p.streams,
        storage,
        error: null,
      });
      await rm(r.tempPath, { force: true });
      const done = this.store.file(r.id) as RecordingRow;
      this.host.log.info({ id: r.id, durationMs: p.durationMs, size: p.size }, 'recording ready');
      if (this.#storage) await this.#storage.store(r.appID, fileName, final);
      this.host.webhook(r.appID, r.roomID, 'record_ready', {
        task_id: r.taskID,
        file_id: r.id,
        stream_id: r.streamID,
        user_account: r.userID,
        file_name: fileName,
        duration: p.durationMs,
        file_size: p.size,
        streams: p.streams,
        begin_timestamp: r.startedAt,
        end_timestamp: endedAt,
        storage,
      });
      this.emit('ready', done);
    } catch (e) {
      await rm(part, { force: true }).catch(() => {});
      const message = e instanceof Error ? e.message : String(e);
      this.store.updateFile(r.id, { state: 'failed', error: message.slice(0, 500) });
      await rm(r.tempPath, { force: true }).catch(() => {});
      this.host.log.warn({ id: r.id, err: message }, 'recording failed');
      const failed = this.store.file(r.id) as RecordingRow;
      this.host.webhook(r.appID, r.roomID, 'record_failed', {
        task_id: r.taskID,
        file_id: r.id,
        stream_id: r.streamID,
        user_account: r.userID,
        reason: failed.error,
      });
      this.emit('failed', failed);
    }
  }

  async #removeStored(r: RecordingRow): Promise<void> {
    if (!r.fileName) return;
    const local = join(this.#dir, String(r.appID), r.fileName);
    if (this.#storage) await this.#storage.remove(r.appID, r.fileName, local);
    await rm(local, { force: true });
  }
}

import type { Db } from '../store/database.js';

/** Where a recording file is in its life. */
export type RecordingState = 'recording' | 'finalizing' | 'ready' | 'failed';

/** One recorded file: one stream, from media start to media end (or stop). */
export interface RecordingRow {
  id: string;
  taskID: string;
  appID: number;
  roomID: string;
  streamID: string;
  userID: string;
  state: RecordingState;
  /** The growing FLV while recording; removed once the MP4 is written. */
  tempPath: string;
  /** Final file name under the app's directory (or object key suffix), set when ready. */
  fileName: string | null;
  /** ffmpeg's pid while recording, so a restart can stop an orphan before finalizing its file. */
  pid: number | null;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  size: number | null;
  /** Codec summary of the finished file (`[{ type: 'video', codec: 'h264', … }]`). */
  streams: Record<string, unknown>[] | null;
  /** `local` or `s3` once stored; `s3-pending` while queued for upload. */
  storage: string | null;
  error: string | null;
}

/** A recording task: what to record in one room until stopped (ZEGO's TaskId). */
export interface RecordTaskRow {
  taskID: string;
  appID: number;
  roomID: string;
  /** Streams to record; null = every stream of the room. */
  streamIDs: string[] | null;
  /** `api` (REST / StartRecord) or `rule` (auto-record). */
  source: 'api' | 'rule';
  /** ZEGO's task status: 2 ongoing, 3 completed. */
  status: 2 | 3;
  createdAt: number;
  endedAt: number | null;
}

/** Per-app recording settings. */
export interface RecordingSettings {
  /** Ready files older than this are deleted; 0 keeps them forever. */
  retentionDays: number;
  /** Auto-record: `off`, every room (`all`), or rooms whose ID starts with one of `prefixes`. */
  autoRecord: 'off' | 'all' | 'prefix';
  prefixes: string[];
}

/** Settings of an app that never set any. */
export const DEFAULT_SETTINGS: RecordingSettings = { retentionDays: 0, autoRecord: 'off', prefixes: [] };

interface FileRow {
  id: string;
  task_id: string;
  app_id: number;
  room_id: string;
  stream_id: string;
  user_id: string;
  state: RecordingState;
  temp_path: string;
  file_name: string | null;
  pid: number | null;
  started_at: number;
  ended_at: number | null;
  duration_ms: number | null;
  size: number | null;
  streams: string | null;
  storage: string | null;
  error: string | null;
}

interface TaskRow {
  task_id: string;
  app_id: number;
  room_id: string;
  stream_ids: string | null;
  source: 'api' | 'rule';
  status: 2 | 3;
  created_at: number;
  ended_at: number | null;
}

function toFile(r: FileRow): RecordingRow {
  return {
    id: r.id,
    taskID: r.task_id,
    appID: r.app_id,
    roomID: r.room_id,
    streamID: r.stream_id,
    userID: r.user_id,
    state: r.state,
    tempPath: r.temp_path,
    fileName: r.file_name,
    pid: r.pid,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    durationMs: r.duration_ms,
    size: r.size,
    streams: r.streams ? (JSON.parse(r.streams) as Record<string, unknown>[]) : null,
    storage: r.storage,
    error: r.error,
  };
}

function toTask(r: TaskRow): RecordTaskRow {
  return {
    taskID: r.task_id,
    appID: r.app_id,
    roomID: r.room_id,
    streamIDs: r.stream_ids ? (JSON.parse(r.stream_ids) as string[]) : null,
    source: r.source,
    status: r.status,
    createdAt: r.created_at,
    endedAt: r.ended_at,
  };
}

/**
 * The durable record of recording tasks and files, in the node's SQLite database. A row is written
 * before ffmpeg starts, so after a crash the restart knows every file that was being written.
 * Tables are created here (IF NOT EXISTS) rather than in the shared migration list: the feature owns
 * its schema and can be dropped without touching the others.
 */
export class RecordingStore {
  constructor(private readonly db: Db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS record_tasks (
        task_id TEXT PRIMARY KEY,
        app_id INTEGER NOT NULL,
        room_id TEXT NOT NULL,
        stream_ids TEXT,
        source TEXT NOT NULL,
        status INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        ended_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS record_tasks_room ON record_tasks (app_id, room_id, status);
      CREATE TABLE IF NOT EXISTS recordings (
        id TEXT PRIMARY KEY,
        task_id TEXT NOT NULL,
        app_id INTEGER NOT NULL,
        room_id TEXT NOT NULL,
        stream_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        state TEXT NOT NULL,
        temp_path TEXT NOT NULL,
        file_name TEXT,
        pid INTEGER,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        duration_ms INTEGER,
        size INTEGER,
        streams TEXT,
        storage TEXT,
        error TEXT
      );
      CREATE INDEX IF NOT EXISTS recordings_app ON recordings (app_id, started_at);
      CREATE INDEX IF NOT EXISTS recordings_task ON recordings (task_id);
      CREATE TABLE IF NOT EXISTS recording_settings (
        app_id INTEGER PRIMARY KEY,
        settings TEXT NOT NULL
      );
    `);
  }

  /** Stores a new task. */
  addTask(t: RecordTaskRow): void {
    this.db
      .prepare(
        `INSERT INTO record_tasks (task_id, app_id, room_id, stream_ids, source, status, created_at, ended_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        t.taskID,
        t.appID,
        t.roomID,
        t.streamIDs ? JSON.stringify(t.streamIDs) : null,
        t.source,
        t.status,
        t.createdAt,
        t.endedAt,
      );
  }

  /** A task by ID. */
  task(taskID: string): RecordTaskRow | undefined {
    const r = this.db.prepare('SELECT * FROM record_tasks WHERE task_id = ?').get(taskID) as
      | TaskRow
      | undefined;
    return r && toTask(r);
  }

  /** Ongoing tasks, of one room or all. */
  ongoingTasks(appID?: number, roomID?: string): RecordTaskRow[] {
    const rows =
      appID === undefined
        ? this.db.prepare('SELECT * FROM record_tasks WHERE status = 2').all()
        : this.db
            .prepare('SELECT * FROM record_tasks WHERE status = 2 AND app_id = ? AND room_id = ?')
            .all(appID, roomID);
    return (rows as TaskRow[]).map(toTask);
  }

  /** Tasks of an app, newest first. */
  tasks(appID: number, limit = 200): RecordTaskRow[] {
    return (
      this.db
        .prepare('SELECT * FROM record_tasks WHERE app_id = ? ORDER BY created_at DESC LIMIT ?')
        .all(appID, limit) as TaskRow[]
    ).map(toTask);
  }

  /** Marks a task completed. */
  endTask(taskID: string, at: number): void {
    this.db.prepare('UPDATE record_tasks SET status = 3, ended_at = ? WHERE task_id = ?').run(at, taskID);
  }

  /** Stores a new file row (state `recording`). */
  addFile(f: RecordingRow): void {
    this.db
      .prepare(
        `INSERT INTO recordings (id, task_id, app_id, room_id, stream_id, user_id, state, temp_path, file_name,
           pid, started_at, ended_at, duration_ms, size, streams, storage, error)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        f.id,
        f.taskID,
        f.appID,
        f.roomID,
        f.streamID,
        f.userID,
        f.state,
        f.tempPath,
        f.fileName,
        f.pid,
        f.startedAt,
        f.endedAt,
        f.durationMs,
        f.size,
        f.streams ? JSON.stringify(f.streams) : null,
        f.storage,
        f.error,
      );
  }

  /** Updates some fields of a file row. */
  updateFile(id: string, patch: Partial<Omit<RecordingRow, 'id'>>): void {
    const cols: Record<string, string> = {
      state: 'state',
      fileName: 'file_name',
      pid: 'pid',
      endedAt: 'ended_at',
      durationMs: 'duration_ms',
      size: 'size',
      streams: 'streams',
      storage: 'storage',
      error: 'error',
    };
    const sets: string[] = [];
    const vals: unknown[] = [];
    for (const [k, v] of Object.entries(patch)) {
      const c = cols[k];
      if (!c) continue;
      sets.push(`${c} = ?`);
      vals.push(k === 'streams' && v ? JSON.stringify(v) : (v ?? null));
    }
    if (sets.length === 0) return;
    this.db.prepare(`UPDATE recordings SET ${sets.join(', ')} WHERE id = ?`).run(...vals, id);
  }

  /** A file row by ID. */
  file(id: string): RecordingRow | undefined {
    const r = this.db.prepare('SELECT * FROM recordings WHERE id = ?').get(id) as FileRow | undefined;
    return r && toFile(r);
  }

  /** Files of a task. */
  filesOfTask(taskID: string): RecordingRow[] {
    return (
      this.db
        .prepare('SELECT * FROM recordings WHERE task_id = ? ORDER BY started_at')
        .all(taskID) as FileRow[]
    ).map(toFile);
  }

  /** Files of an app, newest first, optionally of one room. */
  files(appID: number, q: { roomID?: string; limit?: number } = {}): RecordingRow[] {
    const rows = q.roomID
      ? this.db
          .prepare(
            'SELECT * FROM recordings WHERE app_id = ? AND room_id = ? ORDER BY started_at DESC LIMIT ?',
          )
          .all(appID, q.roomID, q.limit ?? 200)
      : this.db
          .prepare('SELECT * FROM recordings WHERE app_id = ? ORDER BY started_at DESC LIMIT ?')
          .all(appID, q.limit ?? 200);
    return (rows as FileRow[]).map(toFile);
  }

  /** Files a crash left unfinished (`recording` or `finalizing`). */
  unfinished(): RecordingRow[] {
    return (
      this.db
        .prepare(`SELECT * FROM recordings WHERE state IN ('recording', 'finalizing') ORDER BY started_at`)
        .all() as FileRow[]
    ).map(toFile);
  }

  /** Ready files of an app that ended before `before` (retention). */
  expired(appID: number, before: number): RecordingRow[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM recordings WHERE app_id = ? AND state IN ('ready', 'failed') AND ended_at < ?`,
        )
        .all(appID, before) as FileRow[]
    ).map(toFile);
  }

  /** Removes a file row. */
  deleteFile(id: string): void {
    this.db.prepare('DELETE FROM recordings WHERE id = ?').run(id);
  }

  /** Apps that have settings stored. */
  appsWithSettings(): number[] {
    return (this.db.prepare('SELECT app_id FROM recording_settings').all() as { app_id: number }[]).map(
      (r) => r.app_id,
    );
  }

  /** An app's settings (defaults when never set). */
  settings(appID: number): RecordingSettings {
    const r = this.db.prepare('SELECT settings FROM recording_settings WHERE app_id = ?').get(appID) as
      | { settings: string }
      | undefined;
    return r
      ? { ...DEFAULT_SETTINGS, ...(JSON.parse(r.settings) as Partial<RecordingSettings>) }
      : DEFAULT_SETTINGS;
  }

  /** Stores an app's settings. */
  setSettings(appID: number, s: RecordingSettings): void {
    this.db
      .prepare(
        'INSERT INTO recording_settings (app_id, settings) VALUES (?, ?) ON CONFLICT(app_id) DO UPDATE SET settings = excluded.settings',
      )
      .run(appID, JSON.stringify(s));
  }
}

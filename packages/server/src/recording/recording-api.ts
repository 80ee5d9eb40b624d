import {
  ErrorCode,
  MiniRtcError,
  arr,
  checkRoomID,
  checkStreamID,
  int,
  obj,
  optional,
  str,
} from '@minirtc/protocol';
import type { AppStore } from '../app-store.js';
import type { Route } from '../api/route-types.js';
import { roomID, streamID } from '../api/schemas.js';
import { signRecordingPath } from './download-urls.js';
import type { RecordTaskRow, RecordingRow, RecordingSettings } from './recording-store.js';
import type { RecordingService, TaskView } from './recording-service.js';
import {
  type RoomMixSlot,
  isRoomMixTask,
  startRecordingTask,
  stopRecordingTask,
} from './room-mix-recording.js';

/** Request bodies of the recording endpoints. */
export const RecordingBodies = {
  start: obj({ roomID, streamIDs: optional(arr(streamID, 50)), recordMode: optional(int(1, 2)) }),
  settings: obj({
    retentionDays: optional(int(0, 3650)),
    autoRecord: optional(str({ enum: ['off', 'all', 'prefix'] })),
    prefixes: optional(arr(str({ min: 1, maxBytes: 128 }), 50)),
  }),
};

/** A file as the API lists it: with signed play/download links once it is ready. */
export interface RecordingView extends Omit<RecordingRow, 'tempPath' | 'pid'> {
  /** Path + query of a signed, expiring link (relative to the server URL); inline for `<video>`. */
  playUrl?: string;
  /** The same link, served as an attachment. */
  downloadUrl?: string;
  urlExpiresAt?: number;
}

/** Hides internals (temp path, pid) and adds signed links to ready files. */
export function viewOf(
  apps: AppStore,
  svc: RecordingService,
  r: RecordingRow,
  now = Date.now(),
): RecordingView {
  const { tempPath: _t, pid: _p, ...rest } = r;
  const secret = apps.get(r.appID)?.serverSecret;
  if (r.state !== 'ready' || !secret) return rest;
  const play = signRecordingPath(secret, r.appID, r.id, svc.urlTtlSeconds, now);
  return {
    ...rest,
    playUrl: play,
    downloadUrl: `${play}&download=1`,
    urlExpiresAt: (Math.floor(now / 1000) + svc.urlTtlSeconds) * 1000,
  };
}

function taskView(apps: AppStore, svc: RecordingService, t: TaskView | RecordTaskRow): unknown {
  const files = 'files' in t ? t.files : svc.store.filesOfTask(t.taskID);
  return { ...t, files: files.map((f) => viewOf(apps, svc, f)) };
}

/** Plain handlers (validated input → result), shared by the REST routes and the ZEGO actions. */
export const recordingOps = {
  start(svc: RecordingService, appID: number, b: { roomID: string; streamIDs?: string[] | undefined }) {
    return svc.startTask(appID, b.roomID, b.streamIDs ?? null, 'api');
  },
  stop(svc: RecordingService, appID: number, taskID: string): Promise<TaskView> {
    return svc.stopTask(appID, taskID);
  },
  settings(svc: RecordingService, appID: number, patch: Partial<RecordingSettings>): RecordingSettings {
    const cur = svc.store.settings(appID);
    const next: RecordingSettings = {
      retentionDays: patch.retentionDays ?? cur.retentionDays,
      autoRecord: patch.autoRecord ?? cur.autoRecord,
      prefixes: patch.prefixes ?? cur.prefixes,
    };
    if (next.autoRecord === 'prefix' && next.prefixes.length === 0) {
      throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'autoRecord "prefix" needs at least one prefix');
    }
    return svc.setSettings(appID, next);
  },
};

const taskIdP = (v: string | undefined): string => {
  if (!v || !/^[A-Za-z0-9_-]{1,64}$/.test(v)) throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'bad taskID');
  return v;
};

/** The `/api/v1` routes of recording (composed into the REST table by the server). */
export function recordingRoutes(svc: RecordingService, slot: RoomMixSlot = {}): Route[] {
  return [
    {
      method: 'POST',
      path: '/apps/:appID/recording-tasks',
      summary:
        'Start recording a room: all its streams, or `streamIDs` (StartRecord); `recordMode: 2` records the room as one mixed file',
      body: RecordingBodies.start,
      status: 201,
      handle: (ctx) =>
        taskView(
          ctx.deps.apps,
          svc,
          ctx.body.recordMode === 2
            ? startRecordingTask(svc, slot, ctx.app.appID, ctx.body.roomID, null, 2)
            : recordingOps.start(svc, ctx.app.appID, ctx.body),
        ),
    },
    {
      method: 'GET',
      path: '/apps/:appID/recording-tasks',
      summary: 'Recording tasks of the app, newest first (DescribeTasks)',
      handle: (ctx) => ({
        tasks: svc.store.tasks(ctx.app.appID).map((t) => taskView(ctx.deps.apps, svc, t)),
      }),
    },
    {
      method: 'GET',
      path: '/apps/:appID/recording-tasks/:taskID',
      summary: 'A recording task and its files (DescribeRecordStatus)',
      handle: (ctx) => taskView(ctx.deps.apps, svc, svc.task(ctx.app.appID, taskIdP(ctx.params.taskID))),
    },
    {
      method: 'POST',
      path: '/apps/:appID/recording-tasks/:taskID/stop',
      summary: 'Stop a recording task; answers once its files are finalized (StopRecord)',
      handle: async (ctx) =>
        taskView(
          ctx.deps.apps,
          svc,
          await stopRecordingTask(svc, slot, ctx.app.appID, taskIdP(ctx.params.taskID)),
        ),
    },
    {
      method: 'GET',
      path: '/apps/:appID/recordings',
      summary: 'Recorded files, newest first, with signed expiring play/download links',
      query: [
        { name: 'roomID', description: 'one room', schema: str({ min: 1, maxBytes: 128 }) },
        { name: 'limit', description: 'default 200', schema: int(1, 1000) },
      ],
      handle: (ctx) => ({
        recordings: svc.store.files(ctx.app.appID, ctx.q).map((f) => viewOf(ctx.deps.apps, svc, f)),
      }),
    },
    {
      method: 'DELETE',
      path: '/apps/:appID/recordings/:id',
      summary: 'Delete a finished recording',
      handle: async (ctx) => {
        await svc.deleteFile(ctx.app.appID, taskIdP(ctx.params.id));
        return { deleted: true };
      },
    },
    {
      method: 'GET',
      path: '/apps/:appID/recording-settings',
      summary: 'Auto-record rules and retention of the app',
      handle: (ctx) => svc.store.settings(ctx.app.appID),
    },
    {
      method: 'PATCH',
      path: '/apps/:appID/recording-settings',
      summary: 'Set auto-record rules (off / every room / room-ID prefixes) and retention days',
      body: RecordingBodies.settings,
      handle: (ctx) => recordingOps.settings(svc, ctx.app.appID, ctx.body),
    },
  ];
}

/** A ZEGO-form action: query/form parameters plus the JSON body as sent (ZEGO nests objects). */
export type ZegoAction = (
  p: URLSearchParams,
  appID: number,
  json: Record<string, unknown> | null,
) => unknown | Promise<unknown>;

function field(p: URLSearchParams, json: Record<string, unknown> | null, name: string): unknown {
  return json && name in json ? json[name] : (p.get(name) ?? undefined);
}

/** ZEGO record status of a task (DescribeRecordStatus's Data). */
function zegoStatus(apps: AppStore, svc: RecordingService, t: TaskView): Record<string, unknown> {
  return {
    TaskId: t.taskID,
    RoomId: t.roomID,
    RecordMode: isRoomMixTask(t) ? 2 : 1,
    StreamType: 3,
    Status: t.status,
    RecordBeginTimestamp: t.createdAt,
    RecordEndTimestamp: t.endedAt ?? 0,
    RecordFiles: t.files
      .filter((f) => f.state === 'ready')
      .map((f) => {
        const v = viewOf(apps, svc, f);
        return {
          UserId: f.userID,
          StreamId: f.streamID,
          FileId: f.id,
          FileUrl: v.downloadUrl ?? '',
          OutputFileFormat: 'mp4',
          FileSize: f.size ?? 0,
          Duration: f.durationMs ?? 0,
          BeginTimestamp: f.startedAt,
          MediaTrackType: 3,
          Status: 3,
        };
      }),
  };
}

/**
 * ZEGO cloud-recording actions (`?Action=StartRecord|StopRecord|DescribeRecordStatus|DescribeTasks`) with
 * ZEGO's parameter names. RecordMode 1 records each stream; RecordMode 2 records the room as one mixed
 * file (see {@link RoomMixSlot}). StorageParams are ignored: files go where the node is configured.
 */
export function recordingZegoActions(
  apps: AppStore,
  svc: RecordingService,
  slot: RoomMixSlot = {},
): Record<string, ZegoAction> {
  return {
    StartRecord: (p, appID, json) => {
      const room = checkRoomID(String(field(p, json, 'RoomId') ?? ''));
      const input = (field(p, json, 'RecordInputParams') ?? {}) as Record<string, unknown>;
      if (typeof input !== 'object' || input === null) {
        throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'RecordInputParams must be an object');
      }
      const mode = Number(input.RecordMode ?? 1);
      const list = input.RecordStreamList;
      if (list !== undefined && !Array.isArray(list)) {
        throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'RecordStreamList must be an array');
      }
      const ids = ((list as { StreamId?: unknown }[] | undefined) ?? [])
        .slice(0, 50)
        .map((s) => checkStreamID(String(s?.StreamId ?? '')));
      const t = startRecordingTask(svc, slot, appID, room, ids, mode);
      return { TaskId: t.taskID };
    },
    StopRecord: async (p, appID, json) => {
      await stopRecordingTask(svc, slot, appID, taskIdP(String(field(p, json, 'TaskId') ?? '')));
      return undefined;
    },
    DescribeRecordStatus: (p, appID, json) =>
      zegoStatus(apps, svc, svc.task(appID, taskIdP(String(field(p, json, 'TaskId') ?? '')))),
    DescribeTasks: (p, appID, json) => {
      const status = Number(field(p, json, 'Status') ?? 2);
      const room = field(p, json, 'RoomId');
      const tasks = svc.store
        .tasks(appID)
        .filter((t) => t.status === status && (room === undefined || room === '' || t.roomID === room));
      return { TaskList: tasks.map((t) => zegoStatus(apps, svc, svc.task(appID, t.taskID))) };
    },
  };
}

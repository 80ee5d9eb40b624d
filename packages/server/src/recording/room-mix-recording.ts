import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import type { Signaling } from '../core/signaling.js';
import type { ServerEvents } from '../events.js';
import type { Logger } from '../logger.js';
import type { MixService } from '../mixing/mix-service.js';
import { MIX_USER_ID } from '../mixing/service-grant.js';
import type { RecordingService, TaskView } from './recording-service.js';
import type { RecordTaskRow } from './recording-store.js';

/**
 * Output streamIDs of room-mix recordings start with this. A room-mixed task is an ordinary recording
 * task whose only stream is such an output, so the mode survives a restart without a schema change.
 */
export const ROOM_MIX_STREAM_PREFIX = 'mixrec_';

/** Canvas of a room mix: small enough for a shared machine, large enough for a 2×2 grid of calls. */
const MIX_SPEC = { width: 640, height: 360, fps: 15, videoBitrate: 800_000 } as const;

/** True when a recording task records a room as one mixed file (ZEGO RecordMode 2). */
export function isRoomMixTask(t: Pick<RecordTaskRow, 'streamIDs'>): boolean {
  return t.streamIDs?.length === 1 && (t.streamIDs[0] as string).startsWith(ROOM_MIX_STREAM_PREFIX);
}

/** The internal mix task behind a room-mixed recording task's output stream. */
function mixTaskID(outputStreamID: string): string {
  return `rec.${outputStreamID}`;
}

/**
 * Room recording as one mixed file, by composition: the task is a recording of one stream, the output
 * of an internal mix task (automatic grid) of the room's live streams. The mix pushes into the room
 * like any mix; when its output goes live the recording service records it exactly as it records a
 * client's stream (temp FLV → MP4, webhook, listing, signed links, crash finalization). Stopping stops
 * the recorder first (so the file ends cleanly) and then the mix.
 *
 * The inputs are the streams live when the task starts. Following later streams would mean restarting
 * the mix's ffmpeg, which ends the output stream the recorder reads and so splits the file: one file
 * per task was preferred over following the room.
 */
export class RoomMixRecorder {
  constructor(
    private readonly rec: RecordingService,
    private readonly mixer: MixService,
    private readonly core: Signaling,
    events: EventEmitter<ServerEvents>,
    private readonly log: Logger,
  ) {
    // The mixer stops its tasks when the room closes; end the recording tasks that depended on them.
    events.on('roomClosed', (e) => {
      for (const t of this.rec.store.ongoingTasks(e.appID, e.roomID)) {
        if (isRoomMixTask(t)) void this.stop(e.appID, t.taskID).catch(() => {});
      }
    });
  }

  /** Starts a room-mixed recording of the room's live client streams (mix outputs excluded). */
  start(appID: number, roomID: string): RecordTaskRow {
    const room = this.core.rooms.get(appID, roomID);
    if (!room) throw new MiniRtcError(ErrorCode.ROOM_NOT_EXIST, 'the room does not exist');
    const inputs = room
      .liveStreams()
      .filter((s) => s.userID !== MIX_USER_ID)
      .slice(0, 16)
      .map((s) => ({ streamID: s.streamID }));
    if (inputs.length === 0) {
      throw new MiniRtcError(ErrorCode.STREAM_NOT_FOUND, 'no stream is being published in the room');
    }
    const out = `${ROOM_MIX_STREAM_PREFIX}${randomBytes(12).toString('base64url')}`;
    // The task first: it begins recording the output the moment the mix's media makes it live.
    const task = this.rec.startTask(appID, roomID, [out], 'api');
    try {
      this.mixer.start(appID, { taskID: mixTaskID(out), roomID, inputs, outputStreamID: out, ...MIX_SPEC });
    } catch (err) {
      void this.rec.stopTask(appID, task.taskID).catch(() => {});
      throw err;
    }
    this.log.info({ appID, roomID, taskID: task.taskID, inputs: inputs.length }, 'room-mixed recording');
    return task;
  }

  /** Stops a recording task; a room-mixed one also stops its mix once the file is finalized. */
  async stop(appID: number, taskID: string): Promise<TaskView> {
    const view = await this.rec.stopTask(appID, taskID);
    if (isRoomMixTask(view)) {
      try {
        this.mixer.stop(appID, mixTaskID(view.streamIDs?.[0] as string));
      } catch {
        // Already gone: the room closed, or the node restarted since the task began.
      }
    }
    return view;
  }
}

/** Late-bound access to the room mixer: recording is composed before mixing, and mixing may be off. */
export interface RoomMixSlot {
  recorder?: RoomMixRecorder;
}

/** Starts a task in the given ZEGO RecordMode (1 per stream, 2 room mixed). */
export function startRecordingTask(
  svc: RecordingService,
  slot: RoomMixSlot,
  appID: number,
  roomID: string,
  streamIDs: string[] | null,
  recordMode: number,
): RecordTaskRow {
  if (recordMode === 1) return svc.startTask(appID, roomID, streamIDs, 'api');
  if (recordMode !== 2) throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'RecordMode must be 1 or 2');
  if (!slot.recorder) {
    throw new MiniRtcError(
      ErrorCode.INVALID_PARAM,
      'mixed recording needs mixing, which is off on this node',
    );
  }
  return slot.recorder.start(appID, roomID);
}

/** Stops any task, a room-mixed one with its mix. */
export function stopRecordingTask(
  svc: RecordingService,
  slot: RoomMixSlot,
  appID: number,
  taskID: string,
): Promise<TaskView> {
  return slot.recorder ? slot.recorder.stop(appID, taskID) : svc.stopTask(appID, taskID);
}

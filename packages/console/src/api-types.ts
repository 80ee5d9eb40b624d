/**
 * The REST API's answers, as the server defines them (`@minirtc/server/api-types`, types only): the
 * console never keeps its own copy, so a change on the server is a type error here.
 */
export type {
  ApiApp as App,
  ApiRoomDetail as RoomDetail,
  ApiRoomSummary as RoomSummary,
  ApiStream as StreamInfo,
  ApiTokenResult as TokenResult,
  ApiUser as RoomUser,
  DeliveryRecord as Delivery,
  LogEntry,
  TimelineEntry as TimelineEvent,
} from '@minirtc/server/api-types';

// Not yet in the server's api-types (the recording service's view type lives with Node code).
/** A recorded file (`GET /apps/:appID/recordings`); links are relative to the server and expire. */
export interface Recording {
  id: string;
  taskID: string;
  roomID: string;
  streamID: string;
  userID: string;
  state: 'recording' | 'finalizing' | 'ready' | 'failed';
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  size: number | null;
  streams: { type: string; codec: string }[] | null;
  error: string | null;
  playUrl?: string;
  downloadUrl?: string;
}

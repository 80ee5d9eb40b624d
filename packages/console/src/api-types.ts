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

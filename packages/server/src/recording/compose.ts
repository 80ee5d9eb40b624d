import type { EventEmitter } from 'node:events';
import type { AppStore } from '../app-store.js';
import type { Route } from '../api/route-types.js';
import type { ExtraZegoAction } from '../api/zego-actions.js';
import type { ServerEvents } from '../events.js';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logger.js';
import { Gauge, type Registry } from 'prom-client';
import type { Signaling } from '../core/signaling.js';
import type { Db } from '../store/database.js';
import type { StreamUrlSigner } from '../core/stream-urls.js';
import { previewPullUrl } from '../api/preview.js';
import { recordingDownloadRoutes } from './download-handler.js';
import { recordingRoutes, recordingZegoActions } from './recording-api.js';
import { type RecordingOptions, RecordingService } from './recording-service.js';
import { RoomMixRecorder, type RoomMixSlot } from './room-mix-recording.js';
import type { MixService } from '../mixing/mix-service.js';

/** What {@link composeRecording} needs from the operations layer. */
export interface RecordingWiring {
  server: EventEmitter<ServerEvents>;
  core: Signaling;
  apps: AppStore;
  db: Db;
  log: Logger;
  /** Issues the recorder's pull grants (a console-preview grant: play-only, live streams of the room). */
  signer: StreamUrlSigner;
  registry: Registry;
  webhook(appID: number, roomID: string, event: string, payload: Record<string, unknown>): void;
}

/** The recording feature, ready to mount: the service, its REST routes, ZEGO actions and downloads. */
export interface ComposedRecording {
  service: RecordingService;
  routes: Route[];
  actions: Record<string, ExtraZegoAction>;
  downloads: (app: FastifyInstance) => void;
  /** Enables room-mixed recording (RecordMode 2) on the mixer, once mixing is composed. */
  useMixer(mixer: MixService): void;
}

/** Builds the recording service on the server's pieces and the handlers that expose it. */
export function composeRecording(opts: RecordingOptions, w: RecordingWiring): ComposedRecording {
  const service = new RecordingService(
    {
      events: w.server,
      apps: w.apps,
      db: w.db,
      log: w.log,
      liveStreams: (appID, roomID) =>
        (w.core.rooms.get(appID, roomID)?.liveStreams() ?? []).map((s) => ({
          streamID: s.streamID,
          userID: s.userID,
        })),
      pullUrl: previewPullUrl(w.signer, 'rec'),
      webhook: w.webhook,
    },
    opts,
  );
  new Gauge({
    name: 'minirtc_recordings_active',
    help: 'Recordings being written now.',
    registers: [w.registry],
    collect() {
      this.set(service.activeCount);
    },
  });
  const slot: RoomMixSlot = {};
  return {
    service,
    routes: recordingRoutes(service, slot),
    actions: recordingZegoActions(w.apps, service, slot),
    useMixer: (mixer) => {
      slot.recorder = new RoomMixRecorder(service, mixer, w.core, w.server, w.log);
    },
    downloads: recordingDownloadRoutes(w.apps, service),
  };
}

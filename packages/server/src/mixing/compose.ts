import type { EventEmitter } from 'node:events';
import { previewPullUrl } from '../api/preview.js';
import type { Route } from '../api/route-types.js';
import type { ExtraZegoAction } from '../api/zego-actions.js';
import type { ServerEvents } from '../events.js';
import type { Logger } from '../logger.js';
import { Gauge, type Registry } from 'prom-client';
import type { Signaling } from '../core/signaling.js';
import type { StreamUrlSigner } from '../core/stream-urls.js';
import { GroupMixer } from './group-mixer.js';
import { mixRoutes, mixZegoActions } from './mix-api.js';
import { type MixingOptions, MixService } from './mix-service.js';
import { MIX_USER_ID } from './service-grant.js';

/** The mixing feature, ready to mount. */
export interface ComposedMixing {
  service: MixService;
  routes: Route[];
  actions: Record<string, ExtraZegoAction>;
}

/** Builds the mixer on the server's pieces, with its routes, ZEGO actions and metrics. */
export function composeMixing(
  opts: MixingOptions,
  w: {
    server: EventEmitter<ServerEvents>;
    core: Signaling;
    log: Logger;
    signer: StreamUrlSigner;
    registry: Registry;
  },
): ComposedMixing {
  const service = new MixService(
    {
      events: w.server,
      core: w.core,
      log: w.log,
      pullUrl: previewPullUrl(w.signer, 'mix'),
      pushUrl: (appID, roomID, streamID, sessionID) =>
        w.signer.issue({ appID, roomID, streamID, action: 'push', userID: MIX_USER_ID, sessionID }).url,
    },
    opts,
  );
  new Gauge({
    name: 'minirtc_mixes_active',
    help: 'Mix tasks running or waiting for inputs.',
    registers: [w.registry],
    collect() {
      this.set(service.activeCount);
    },
  });
  new Gauge({
    name: 'minirtc_mix_cpu_seconds',
    help: 'CPU seconds used by each mix task (all its ffmpeg runs).',
    labelNames: ['app', 'task'],
    registers: [w.registry],
    collect() {
      this.reset();
      for (const c of service.cpu()) this.set({ app: String(c.appID), task: c.taskID }, c.seconds);
    },
  });
  new GroupMixer(w.server, w.core, service, { roomPrefixes: opts.groupRoomPrefixes ?? [] }, w.log);
  return { service, routes: mixRoutes(service), actions: mixZegoActions(service) };
}

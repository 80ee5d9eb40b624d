import type { StreamUrlResult } from '@minirtc/protocol';
import { type StreamGrant, signStreamUrl, streamSigningKey } from '@minirtc/protocol/crypto';
import type { AppStore } from '../app-store.js';
import type { MediaPlacement } from './placement-port.js';

/** Where signed URLs point: bases given as strings or resolved late (the HTTP port is known after listen). */
export interface UrlBases {
  rtmp: () => string;
  flv: () => string;
}

/**
 * Issues and checks the signed push/pull URLs for one app store. Keys are derived once per secret and
 * cached, re-derived if an app's secret changes. With a {@link MediaPlacement} (several media nodes)
 * a push URL points at the node chosen for the stream and a play URL at the node holding it.
 */
export class StreamUrlSigner {
  readonly #keys = new Map<number, { secret: string; key: Buffer }>();

  constructor(
    private readonly apps: AppStore,
    private readonly bases: UrlBases,
    private readonly ttlSeconds: number,
    private readonly placement?: MediaPlacement,
  ) {}

  /** The signing key of an app, undefined for an unknown app. */
  keyFor = (appID: number): Buffer | undefined => {
    const app = this.apps.get(appID);
    if (!app) return undefined;
    const cached = this.#keys.get(appID);
    if (cached && cached.secret === app.serverSecret) return cached.key;
    const key = streamSigningKey(app.serverSecret);
    this.#keys.set(appID, { secret: app.serverSecret, key });
    return key;
  };

  /** A signed RTMP URL (and its HTTP-FLV twin) for a grant; the expiry is set from the TTL. */
  issue(g: Omit<StreamGrant, 'expire'>): StreamUrlResult {
    const key = this.keyFor(g.appID);
    if (!key) throw new Error(`unknown app ${g.appID}`);
    const grant: StreamGrant = { ...g, expire: Math.floor(Date.now() / 1000) + this.ttlSeconds };
    const at =
      g.action === 'push'
        ? this.placement?.placePush(g.appID, g.roomID, g.streamID)
        : this.placement?.locate(g.appID, g.streamID);
    const url = signStreamUrl(at?.rtmp ?? this.bases.rtmp(), grant, key);
    const flvUrl = signStreamUrl(at?.flv || this.bases.flv(), grant, key, '.flv');
    return { streamID: g.streamID, url, urls: [url], flvUrl };
  }
}

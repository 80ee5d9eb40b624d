import type { StreamUrlResult } from '@minirtc/protocol';
import { type StreamGrant, signStreamUrl, streamSigningKey } from '@minirtc/protocol/crypto';
import type { AppStore } from '../app-store.js';

/** Where signed URLs point: bases given as strings or resolved late (the HTTP port is known after listen). */
export interface UrlBases {
  rtmp: () => string;
  flv: () => string;
}

/**
 * Issues and checks the signed push/pull URLs for one app store. Keys are derived once per secret and
 * cached, re-derived if an app's secret changes.
 */
export class StreamUrlSigner {
  readonly #keys = new Map<number, { secret: string; key: Buffer }>();

  constructor(
    private readonly apps: AppStore,
    private readonly bases: UrlBases,
    private readonly ttlSeconds: number,
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

  /**
   * A signed RTMP URL (and its HTTP-FLV twin) for a grant; the expiry is set from the TTL. `at`: the
   * bases of the media node chosen for this stream (several media nodes), else the configured ones.
   */
  issue(g: Omit<StreamGrant, 'expire'>, at?: { rtmp: string; flv: string }): StreamUrlResult {
    const key = this.keyFor(g.appID);
    if (!key) throw new Error(`unknown app ${g.appID}`);
    const grant: StreamGrant = { ...g, expire: Math.floor(Date.now() / 1000) + this.ttlSeconds };
    const url = signStreamUrl(at?.rtmp ?? this.bases.rtmp(), grant, key);
    const flvUrl = signStreamUrl(at?.flv || this.bases.flv(), grant, key, '.flv');
    return { streamID: g.streamID, url, urls: [url], flvUrl };
  }
}

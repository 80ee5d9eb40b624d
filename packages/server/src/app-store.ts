/** One tenant: an AppID with the ServerSecret that signs its tokens and stream URLs. */
export interface AppRecord {
  appID: number;
  /** 32 characters; the AES-256 key of token04 and the root of the stream-URL signing key. */
  serverSecret: string;
  name?: string;
  /** Upper bound on room size for this app, whatever the client asks for. */
  maxRoomMembers?: number;
  /** Signs webhook requests (`sha1(sort([CallbackSecret, timestamp, nonce]))`); webhooks are off without it. */
  callbackSecret?: string;
  /** Where webhooks are POSTed; none without it. */
  callbackUrl?: string;
  /** Refuse token04's AES-CBC variant (it has no integrity check); GCM tokens only. */
  refuseCbcTokens?: boolean;
  /** Refuse ZEGO-form API requests signed the ZEGO way; require the stronger MiniRTC-v2 signature. */
  requireStrongSignature?: boolean;
  /** Creation time (ms since epoch), for listings. */
  createdAt?: number;
}

/**
 * Where the server looks up apps. Synchronous on purpose: it sits on the login path and the media
 * authorization path, and a store backed by something slow should cache in front of this interface.
 */
export interface AppStore {
  get(appID: number): AppRecord | undefined;
  list(): AppRecord[];
}

/** The in-memory {@link AppStore}: the default for development and tests. */
export class MemoryAppStore implements AppStore {
  readonly #apps = new Map<number, AppRecord>();

  /** A store holding `apps` (each checked as by {@link add}). */
  constructor(apps: AppRecord[] = []) {
    for (const a of apps) this.add(a);
  }

  /** Adds or replaces an app. Throws if the secret cannot key AES-256 (so the mistake shows at boot). */
  add(app: AppRecord): void {
    if (!Number.isInteger(app.appID) || app.appID <= 0 || app.appID > 0xffffffff) {
      throw new Error(`invalid appID ${app.appID}`);
    }
    if (Buffer.byteLength(app.serverSecret, 'utf8') !== 32) {
      throw new Error(`serverSecret of app ${app.appID} must be 32 bytes`);
    }
    this.#apps.set(app.appID, { ...app });
  }

  /** Removes an app; true if it existed. */
  remove(appID: number): boolean {
    return this.#apps.delete(appID);
  }

  /** The app with this AppID, if any. */
  get(appID: number): AppRecord | undefined {
    return this.#apps.get(appID);
  }

  /** Every app. */
  list(): AppRecord[] {
    return [...this.#apps.values()];
  }
}

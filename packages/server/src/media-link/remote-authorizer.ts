import { mediaStreamKey, userKey } from '@minirtc/protocol';
import type { AuthResult, MediaAuthorizer, MediaServer, StreamRequest } from '@minirtc/rtmp';

/** What the gateway keeps about a session the signaling node allowed. */
export interface RemoteTag {
  appID: number;
  userID: string;
  /** From the signed query (checked by signaling): the registry keeps streams by room. */
  roomID: string;
  streamID: string;
  /** The signed query, sent back with on_unpublish so signaling can verify who reports it. */
  param: string;
}

/**
 * Authorizes through a remote signaling node's `POST /hooks/srs` (the SRS `http_hooks` protocol
 * MiniRTC already serves for external media servers), so a gateway running apart from signaling
 * gets the same checks as the embedded one — signature, session, room, reservation — and rooms learn
 * when its streams start and stop. Given several signaling URLs it sticks to one and moves to the
 * next when that one cannot be reached (a refusal is an answer, not a failure), so a media node keeps
 * working when a signaling node of a cluster dies.
 */
export class RemoteAuthorizer implements MediaAuthorizer {
  readonly #urls: string[];
  #current = 0;

  /** `signalingUrl`: one URL, several comma-separated, or a list. */
  constructor(
    signalingUrl: string | string[],
    private readonly timeoutMs = 5000,
  ) {
    const list = typeof signalingUrl === 'string' ? signalingUrl.split(',') : signalingUrl;
    this.#urls = list.map((u) => u.trim()).filter(Boolean);
    if (this.#urls.length === 0) throw new Error('no signaling URL');
  }

  /** The signaling node hooks go to now. */
  get current(): string {
    return this.#urls[this.#current] as string;
  }

  async authorize(req: StreamRequest): Promise<AuthResult> {
    const param = `?${new URLSearchParams(req.query).toString()}`;
    const action = req.kind === 'publish' ? 'on_publish' : 'on_play';
    let status: number;
    let body: string;
    try {
      const r = await this.post({ action, app: req.app, stream: req.stream, param, ip: req.remoteAddress });
      status = r.status;
      body = r.body;
    } catch (e) {
      return { ok: false, status: 'Unauthorized', reason: `signaling unreachable: ${(e as Error).message}` };
    }
    if (status !== 200 || body.trim() !== '0') {
      return { ok: false, status: 'Unauthorized', reason: `signaling refused (${status}): ${body.trim()}` };
    }
    const appID = Number(req.query.appid);
    const tag: RemoteTag = {
      appID,
      userID: req.query.uid ?? '',
      roomID: req.query.room ?? '',
      streamID: req.stream,
      param,
    };
    return { ok: true, key: mediaStreamKey(appID, req.stream), owner: userKey(appID, tag.userID), tag };
  }

  /** Tells signaling that a stream this gateway authorized is gone. */
  async published(tag: RemoteTag, app: string, done: boolean): Promise<void> {
    if (!done) return;
    await this.post({ action: 'on_unpublish', app, stream: tag.streamID, param: tag.param }).catch(
      () => undefined,
    );
  }

  /** Posts to the current signaling node; on a network failure or a 5xx, to the next ones in turn. */
  private async post(body: object): Promise<{ status: number; body: string }> {
    let last: unknown;
    for (let tried = 0; tried < this.#urls.length; tried++) {
      const i = this.#current;
      try {
        const res = await fetch(new URL('/hooks/srs', this.#urls[i]), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        const text = await res.text();
        if (res.status < 500 || tried === this.#urls.length - 1) return { status: res.status, body: text };
        last = new Error(`HTTP ${res.status}`);
      } catch (e) {
        last = e;
      }
      // Another request may have moved on already; only move if it still points at the failed one.
      if (this.#current === i) this.#current = (i + 1) % this.#urls.length;
    }
    throw last instanceof Error ? last : new Error(String(last));
  }
}

/**
 * Wires a stand-alone gateway to a remote signaling node: authorizes through it, and reports every
 * stream it authorized that stops, so that node's rooms drop it.
 */
export function linkRemoteSignaling(media: MediaServer, remote: RemoteAuthorizer): void {
  media.on('publishStop', (info) => {
    const tag = info.tag as RemoteTag | undefined;
    if (tag) void remote.published(tag, info.app, true);
  });
}

import type { AuthResult, MediaAuthorizer, StreamRequest } from '@minirtc/rtmp';

/** What the gateway keeps about a session the signaling node allowed. */
export interface RemoteTag {
  appID: number;
  userID: string;
  streamID: string;
  /** The signed query, sent back with on_unpublish so signaling can verify who reports it. */
  param: string;
}

/**
 * Authorizes through a remote signaling node's `POST /hooks/srs` (the SRS `http_hooks` protocol
 * MiniRTC already serves for external media servers), so a gateway running apart from signaling
 * gets the same checks as the embedded one — signature, session, room, reservation — and rooms learn
 * when its streams start and stop.
 */
export class RemoteAuthorizer implements MediaAuthorizer {
  constructor(
    private readonly signalingUrl: string,
    private readonly timeoutMs = 5000,
  ) {}

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
    const tag: RemoteTag = { appID, userID: req.query.uid ?? '', streamID: req.stream, param };
    return { ok: true, key: `${appID}/${req.stream}`, owner: `${appID}:${tag.userID}`, tag };
  }

  /** Tells signaling that a stream this gateway authorized is gone. */
  async published(tag: RemoteTag, app: string, done: boolean): Promise<void> {
    if (!done) return;
    await this.post({ action: 'on_unpublish', app, stream: tag.streamID, param: tag.param }).catch(
      () => undefined,
    );
  }

  private async post(body: object): Promise<{ status: number; body: string }> {
    const res = await fetch(new URL('/hooks/srs', this.signalingUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    return { status: res.status, body: await res.text() };
  }
}

import { ErrorCode, MiniRtcError, isMiniRtcError } from '@minirtc/protocol';
import { type StreamGrant, verifyGrant } from '@minirtc/protocol/crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logger.js';
import type { MediaBridge } from '../core/media-port.js';
import type { Signaling } from '../core/signaling.js';
import type { StreamUrlSigner } from '../core/stream-urls.js';

/** What a hook asks, whatever server sent it. */
interface HookCall {
  event: 'publish' | 'play' | 'publishDone' | 'playDone' | 'other';
  stream: string;
  query: Record<string, string>;
}

/**
 * HTTP callbacks for external media servers (a route plugin of the HTTP pipeline), so an existing cluster can use MiniRTC's signed URLs and
 * room state: `POST /hooks/srs` (SRS `http_hooks`, JSON, answered `0` to allow) and `POST /hooks/nginx`
 * (nginx-rtmp `on_publish`/`on_play`/`on_publish_done`…, form-encoded, answered 2xx to allow).
 * publish/play go through {@link MediaBridge.authorize}; an accepted publish is reported live, a
 * publish-done gone. A done report needs a grant with a good signature (expired is fine: it may come
 * long after the URL was issued) from the user who holds the reservation now, so nobody can knock
 * another publisher's stream out of the room list.
 */
export function createMediaHooks(
  bridge: MediaBridge,
  core: Signaling,
  signer: StreamUrlSigner,
  log: Logger,
): (app: FastifyInstance) => void {
  const decide = (call: HookCall): { ok: boolean; code: number; message: string } => {
    if (call.event === 'publish' || call.event === 'play') {
      const r = bridge.authorize(call.event, call.stream, call.query);
      if (!r.ok) return r;
      if (call.event === 'publish') bridge.streamLive(r.grant.appID, r.grant.streamID);
      return { ok: true, code: 0, message: 'ok' };
    }
    if (call.event === 'publishDone') {
      let g: StreamGrant;
      try {
        // now = 0: check the signature, not the expiry.
        g = verifyGrant(call.stream, call.query, signer.keyFor, 0);
      } catch (e) {
        const code = isMiniRtcError(e) ? e.code : ErrorCode.URL_SIGNATURE_INVALID;
        return { ok: false, code, message: e instanceof Error ? e.message : 'bad grant' };
      }
      const r = core.streams.get(g.appID, g.streamID);
      if (g.action === 'push' && r && r.userID === g.userID)
        bridge.streamGone(g.appID, g.streamID, 'unpublished');
      return { ok: true, code: 0, message: 'ok' };
    }
    return { ok: true, code: 0, message: 'ok' };
  };

  return (app: FastifyInstance): void => {
    for (const path of ['/hooks/srs', '/hooks/nginx'] as const) {
      app.post(path, async (req, reply) => {
        const body = typeof req.body === 'string' ? req.body : '';
        const call = path === '/hooks/srs' ? parseSrs(body) : parseNginx(body);
        if (!call) throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'unreadable hook');
        // In a cluster the grant's room may be held by other nodes: fetch it first.
        if (bridge.prepare) await bridge.prepare(call.stream, call.query).catch(() => undefined);
        const d = decide(call);
        log.info({ hook: path, event: call.event, stream: call.stream, code: d.code }, 'media hook');
        reply.code(d.ok ? 200 : 403);
        // SRS allows on HTTP 200 with the integer 0 (v3) or a JSON object with code 0 (v4+); `0` is both.
        if (path === '/hooks/srs') return reply.type('text/plain').send(String(d.code));
        return reply.send({ code: d.code, message: d.message });
      });
    }
  };
}

/** SRS: `{ action: 'on_publish', app, stream, param: '?appid=…' }`. */
function parseSrs(body: string): HookCall | null {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null || typeof o.action !== 'string') return null;
  const stream = typeof o.stream === 'string' ? o.stream : '';
  const param = typeof o.param === 'string' ? o.param.replace(/^\?/, '') : '';
  const events: Record<string, HookCall['event']> = {
    on_publish: 'publish',
    on_play: 'play',
    on_unpublish: 'publishDone',
    on_stop: 'playDone',
  };
  return {
    event: events[o.action] ?? 'other',
    stream,
    query: Object.fromEntries(new URLSearchParams(param)),
  };
}

/** nginx-rtmp: form fields `call`, `name`, and the URL's query arguments alongside. */
function parseNginx(body: string): HookCall | null {
  const f = Object.fromEntries(new URLSearchParams(body));
  if (typeof f.call !== 'string') return null;
  const events: Record<string, HookCall['event']> = {
    publish: 'publish',
    play: 'play',
    publish_done: 'publishDone',
    play_done: 'playDone',
  };
  const { call, name, ...rest } = f;
  return { event: events[call] ?? 'other', stream: name ?? '', query: rest };
}

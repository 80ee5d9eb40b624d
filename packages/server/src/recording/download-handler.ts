import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { AppStore } from '../app-store.js';
import { RECORDINGS_PREFIX, verifyRecordingLink } from './download-urls.js';
import type { RecordingService } from './recording-service.js';

const PATH = new RegExp(`^${RECORDINGS_PREFIX}/(\\d{1,10})/([A-Za-z0-9_-]{1,64})\\.mp4$`);

function refuse(res: ServerResponse, status: number, message: string): true {
  const text = JSON.stringify({ code: status, message });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
  return true;
}

/**
 * `GET /recordings/<appID>/<id>.mp4?expire=…&sig=…`: serves a ready file to whoever holds a signed,
 * unexpired link (the console, or a link the app hands its users). Byte ranges are honoured so
 * `<video>` can seek; `download=1` makes it an attachment.
 */
export function createRecordingDownloads(
  apps: AppStore,
  svc: RecordingService,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (!path.startsWith(`${RECORDINGS_PREFIX}/`)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
    const m = PATH.exec(path);
    if (!m) return refuse(res, 404, 'not found');
    const appID = Number(m[1]);
    const id = m[2] as string;
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const app = apps.get(appID);
    // Unknown app, bad signature and unknown file all look the same to the caller.
    const check = app
      ? verifyRecordingLink(app.serverSecret, appID, id, q.get('expire'), q.get('sig'))
      : 'bad';
    if (check === 'expired') return refuse(res, 403, 'link expired');
    if (check !== 'ok') return refuse(res, 403, 'invalid link');
    const row = svc.store.file(id);
    const local = row && row.appID === appID ? svc.localPath(row) : null;
    const st = local ? await stat(local).catch(() => null) : null;
    const remote = svc.storage;
    if (row && local && !st?.isFile() && row.fileName && remote?.read) {
      // Uploaded and no local copy kept: stream it from the bucket (ranges passed through).
      const disposition = `${q.get('download') === '1' ? 'attachment' : 'inline'}; filename="${row.fileName}"`;
      try {
        const o = await remote.read(appID, row.fileName, req.headers.range);
        res.writeHead(o.range ? 206 : 200, {
          'content-type': 'video/mp4',
          'content-length': o.size,
          'accept-ranges': 'bytes',
          'cache-control': 'private, no-store',
          'content-disposition': disposition,
          ...(o.range ? { 'content-range': o.range } : {}),
        });
        if (req.method === 'HEAD') res.end();
        else o.body.pipe(res);
      } catch {
        return refuse(res, 404, 'not found');
      }
      return true;
    }
    if (!local || !st?.isFile()) return refuse(res, 404, 'not found');
    const headers: Record<string, string | number> = {
      'content-type': 'video/mp4',
      'accept-ranges': 'bytes',
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
      'content-disposition': `${q.get('download') === '1' ? 'attachment' : 'inline'}; filename="${row?.fileName ?? `${id}.mp4`}"`,
    };
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = st.size - 1;
    let status = 200;
    if (range && (range[1] || range[2])) {
      if (range[1]) {
        start = Number(range[1]);
        if (range[2]) end = Math.min(Number(range[2]), st.size - 1);
      } else start = Math.max(0, st.size - Number(range[2]));
      if (start > end || start >= st.size) {
        res.writeHead(416, { 'content-range': `bytes */${st.size}` });
        res.end();
        return true;
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${st.size}`;
    }
    headers['content-length'] = end - start + 1;
    res.writeHead(status, headers);
    if (req.method === 'HEAD' || st.size === 0) {
      res.end();
      return true;
    }
    const s = createReadStream(local, { start, end });
    s.on('error', () => res.destroy());
    s.pipe(res);
    return true;
  };
}

/** The download handler as a route plugin: it answers on the raw response (ranges, streaming). */
export function recordingDownloadRoutes(
  apps: AppStore,
  svc: RecordingService,
): (app: FastifyInstance) => void {
  const h = createRecordingDownloads(apps, svc);
  return (app) => {
    app.get(`${RECORDINGS_PREFIX}/*`, async (req, reply) => {
      reply.hijack();
      await h(req.raw, reply.raw);
    });
  };
}

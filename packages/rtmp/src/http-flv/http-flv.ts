import { ErrorCode, httpStatusOf } from '@minirtc/protocol';
import type { ServerResponse } from 'node:http';
import { flvHeader } from '../protocol/flv.js';
import type { PlayerSink } from '../hub/stream-info.js';
import { MAX_STREAM_NAME_LENGTH, parseQuery } from '../protocol/stream-name.js';

/** What an HTTP-FLV URL names: `/<app>/<stream>.flv?query`. */
export interface FlvTarget {
  app: string;
  stream: string;
  query: Record<string, string>;
}

/**
 * Parses an HTTP-FLV request path, or returns null when the request is not ours (so a host
 * server can route it elsewhere). The app may have several segments (`/a/b/stream.flv`).
 */
export function parseFlvPath(method: string | undefined, url: string | undefined): FlvTarget | null {
  if (
    (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') ||
    !url ||
    url.length > MAX_STREAM_NAME_LENGTH
  )
    return null;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const m = /^\/(.+)\/([^/]+)\.flv$/.exec(path);
  if (!m) return null;
  let app: string;
  let stream: string;
  try {
    app = decodeURIComponent(m[1]!);
    stream = decodeURIComponent(m[2]!);
  } catch {
    return null;
  }
  return { app, stream, query: q < 0 ? {} : parseQuery(url.slice(q + 1)) };
}

/**
 * HTTP status of a refusal: the error table's for its code; without one (a custom authorizer), the
 * table's row of the closest code (not found, or a refused URL signature).
 */
export function httpStatusFor(refusal: {
  status: 'BadName' | 'Unauthorized' | 'NotFound';
  code?: number;
}): number {
  if (refusal.code !== undefined) return httpStatusOf(refusal.code);
  return httpStatusOf(
    refusal.status === 'Unauthorized' ? ErrorCode.URL_SIGNATURE_INVALID : ErrorCode.STREAM_NOT_FOUND,
  );
}

/**
 * Starts a chunked FLV response and returns a {@link PlayerSink} writing tags into it.
 * Backpressure is what the response and its socket still hold.
 */
export function startFlvResponse(res: ServerResponse): PlayerSink {
  res.writeHead(200, {
    'Content-Type': 'video/x-flv',
    'Cache-Control': 'no-cache, no-store',
    ...CORS,
    Connection: 'close',
  });
  // Send the status now: a player waiting for a stream not yet published must see its 200 at once.
  res.flushHeaders();
  // The FLV header waits for the hub to name the stream's tracks (announceTracks): its audio/video
  // flags must be true to the stream, or mpegts.js waits for a track that never comes.
  let headerSent = false;
  const header = (t = { audio: true, video: true }) => {
    if (headerSent || res.destroyed) return;
    headerSent = true;
    res.write(flvHeader(t.audio, t.video));
  };
  return {
    announceTracks: header,
    format: 'flv',
    chunkSize: 0,
    streamId: 0,
    pendingBytes: () => res.writableLength + (res.socket?.writableLength ?? 0),
    write: (b) => {
      header();
      if (!res.destroyed) res.write(b);
    },
    writeBatch: (bufs) => {
      header();
      if (res.destroyed) return;
      // One response write per batch (a tag's parts, a player's batch, the join burst): with chunked
      // transfer encoding each write is a chunk of its own.
      res.write(bufs.length === 1 ? bufs[0] : Buffer.concat(bufs));
    },
    close: () => {
      if (!res.destroyed) res.end();
    },
  };
}

/**
 * CORS headers of every HTTP-FLV answer, refusals included: a cross-origin player must be able to
 * read a 403/404 status instead of seeing an opaque "Failed to fetch".
 */
export const CORS = { 'Access-Control-Allow-Origin': '*' } as const;

/** Ends a refused request. */
export function refuseFlv(res: ServerResponse, code: number, reason: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', ...CORS, Connection: 'close' });
  res.end(`${reason}\n`);
}

/** Answers a CORS preflight for an HTTP-FLV URL (players that send a Range or custom header ask first). */
export function answerFlvPreflight(res: ServerResponse, requestedHeaders: string | undefined): void {
  res.writeHead(204, {
    ...CORS,
    'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
    'Access-Control-Allow-Headers': (requestedHeaders ?? '').slice(0, 512) || 'Range',
    'Access-Control-Max-Age': '600',
    'Content-Length': '0',
  });
  res.end();
}

let nextId = 1;

/** A unique session id for an HTTP player. */
export function nextHttpSessionId(): string {
  return `http-${nextId++}`;
}

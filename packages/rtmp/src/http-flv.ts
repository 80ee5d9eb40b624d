import { ErrorCode, httpStatusOf } from '@minirtc/protocol';
import type { ServerResponse } from 'node:http';
import { flvHeader } from './flv.js';
import type { PlayerSink } from './stream-info.js';
import { MAX_STREAM_NAME_LENGTH, parseQuery } from './stream-name.js';

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
  if ((method !== 'GET' && method !== 'HEAD') || !url || url.length > MAX_STREAM_NAME_LENGTH) return null;
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
    'Access-Control-Allow-Origin': '*',
    Connection: 'close',
  });
  res.write(flvHeader());
  return {
    format: 'flv',
    chunkSize: 0,
    streamId: 0,
    pendingBytes: () => res.writableLength + (res.socket?.writableLength ?? 0),
    write: (b) => {
      if (!res.destroyed) res.write(b);
    },
    writeBatch: (bufs) => {
      if (res.destroyed) return;
      res.socket?.cork();
      for (const b of bufs) res.write(b);
      res.socket?.uncork();
    },
    close: () => {
      if (!res.destroyed) res.end();
    },
  };
}

/** Ends a refused request. */
export function refuseFlv(res: ServerResponse, code: number, reason: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
  res.end(`${reason}\n`);
}

let nextId = 1;

/** A unique session id for an HTTP player. */
export function nextHttpSessionId(): string {
  return `http-${nextId++}`;
}

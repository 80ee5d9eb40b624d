import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { type HttpHandler, pathOf } from '../http-router.js';

/** Where the console is served. */
export const CONSOLE_PREFIX = '/console';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** The content type of a file name (octet-stream when unknown). */
export function contentTypeOf(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Resolves a URL path below `root`, or null when it would leave it (`..`, encoded slashes, NUL).
 * Decoding happens once, then the joined path must still start with the root.
 */
export function safeJoin(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const base = resolve(root);
  const full = resolve(join(base, decoded));
  return full === base || full.startsWith(base + sep) ? full : null;
}

async function fileAt(path: string | null): Promise<{ path: string; size: number; mtime: Date } | null> {
  if (!path) return null;
  try {
    const s = await stat(path);
    return s.isFile() ? { path, size: s.size, mtime: s.mtime } : null;
  } catch {
    return null;
  }
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  f: { path: string; size: number; mtime: Date },
  immutable: boolean,
): void {
  res.writeHead(200, {
    'content-type': contentTypeOf(f.path),
    'content-length': f.size,
    'last-modified': f.mtime.toUTCString(),
    // Vite's hashed assets never change; index.html must be revalidated so a new build shows up.
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(f.path).pipe(res);
}

/**
 * Serves the built console (`packages/console/dist`) at `/console/`. Paths without a file extension
 * that match no file get `index.html`, so the console's client-side routes survive a reload; a
 * missing asset is a plain 404.
 */
export function createConsoleStatic(dir: string): HttpHandler {
  return async (req, res) => {
    const path = pathOf(req);
    if (path !== CONSOLE_PREFIX && !path.startsWith(`${CONSOLE_PREFIX}/`)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('method not allowed');
      return true;
    }
    if (path === CONSOLE_PREFIX) {
      const q = (req.url ?? '').slice(path.length);
      res.writeHead(301, { location: `${CONSOLE_PREFIX}/${q}` });
      res.end();
      return true;
    }
    const rel = path.slice(CONSOLE_PREFIX.length + 1);
    const target = safeJoin(dir, rel);
    if (target === null) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('bad path');
      return true;
    }
    const f = await fileAt(rel === '' ? join(resolve(dir), 'index.html') : target);
    if (f) {
      send(req, res, f, rel.startsWith('assets/'));
      return true;
    }
    if (extname(rel) === '') {
      const index = await fileAt(join(resolve(dir), 'index.html'));
      if (index) {
        send(req, res, index, false);
        return true;
      }
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
    return true;
  };
}

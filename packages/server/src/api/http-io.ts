import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, MiniRtcError, errorMessage, isMiniRtcError } from '@minirtc/protocol';
import { sendJson } from '../http-router.js';

/** Largest REST/ZEGO request body read. */
export const MAX_API_BODY = 64 * 1024;

/** HTTP status of an API error code. */
export function statusFor(code: number): number {
  switch (code) {
    case ErrorCode.API_SIGNATURE_INVALID:
    case ErrorCode.API_TIMESTAMP_STALE:
    case ErrorCode.API_NONCE_REPLAYED:
    case ErrorCode.API_ADMIN_KEY_INVALID:
      return 401;
    case ErrorCode.API_APP_FORBIDDEN:
      return 403;
    case ErrorCode.API_APP_NOT_FOUND:
    case ErrorCode.API_NOT_FOUND:
    case ErrorCode.ROOM_NOT_EXIST:
    case ErrorCode.STREAM_NOT_FOUND:
    case ErrorCode.USER_NOT_IN_ROOM:
      return 404;
    case ErrorCode.API_BODY_TOO_LARGE:
      return 413;
    case ErrorCode.RATE_LIMITED:
      return 429;
    case ErrorCode.API_APPS_READ_ONLY:
      return 501;
    case ErrorCode.INTERNAL_ERROR:
      return 500;
    default:
      return 400;
  }
}

/** Answers `{ code, message }` with the status of the code. */
export function sendError(res: ServerResponse, code: number, message = errorMessage(code)): void {
  sendJson(res, statusFor(code), { code, message }, { 'cache-control': 'no-store' });
}

/** The code and message of anything thrown by a route (unknown errors become 1990099). */
export function errorOf(e: unknown): { code: number; message: string } {
  if (isMiniRtcError(e)) return { code: e.code, message: e.message };
  return { code: ErrorCode.INTERNAL_ERROR, message: 'internal error' };
}

/** Reads a request body, refusing more than {@link MAX_API_BODY} bytes with 1990077. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_API_BODY) {
      req.resume();
      reject(new MiniRtcError(ErrorCode.API_BODY_TOO_LARGE));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > MAX_API_BODY) {
        done = true;
        reject(new MiniRtcError(ErrorCode.API_BODY_TOO_LARGE));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (err) => {
      if (!done) reject(err);
      done = true;
    });
  });
}

/** Parses a JSON request body; an empty body is `{}`. `check` sees the raw text first (signed body hash). */
export async function readJson(req: IncomingMessage, check?: (text: string) => void): Promise<unknown> {
  const text = await readBody(req);
  check?.(text);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new MiniRtcError(ErrorCode.JSON_PARSE_ERROR, 'body is not valid JSON');
  }
}

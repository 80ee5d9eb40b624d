import { createHash, createHmac } from 'node:crypto';

/**
 * MiniRTC's stronger API signature, `SignatureVersion=minirtc-v2`. ZEGO's form signs only AppId,
 * nonce and timestamp, so a signed query that was never used can be sent with another Action or to
 * another path; this one also covers the HTTP method, the path, the Action and a SHA-256 of the body:
 *
 * `Signature = hex(HMAC-SHA256(ServerSecret, METHOD \n path \n Action \n AppId \n SignatureNonce \n Timestamp \n hex(SHA-256(body))))`
 *
 * An app can require it (`requireStrongSignature`), and then ZEGO-form signatures are refused.
 */
export const STRONG_SIGNATURE_VERSION = 'minirtc-v2';

/** The parts of a request the strong signature covers besides AppId, nonce and timestamp. */
export interface SignedRequestContext {
  method: string;
  /** Path without query, e.g. `/` for the ZEGO form, `/api/v1/apps/1/rooms` for REST. */
  path: string;
  /** The ZEGO-form `Action`, `''` for the REST API. */
  action: string;
  /** Lower-case hex SHA-256 of the raw body (of `''` when there is none). */
  bodySha256: string;
}

/** Lower-case hex SHA-256 of `text` (UTF-8). */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The strong signature of a request (what a client computes and the server compares). */
export function strongSignature(
  serverSecret: string,
  appID: number | string,
  nonce: string,
  timestamp: number | string,
  ctx: SignedRequestContext,
): string {
  const canonical = [
    ctx.method.toUpperCase(),
    ctx.path,
    ctx.action,
    String(appID),
    nonce,
    String(timestamp),
    ctx.bodySha256.toLowerCase(),
  ].join('\n');
  return createHmac('sha256', serverSecret).update(canonical).digest('hex');
}

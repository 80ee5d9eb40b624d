import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import type { AppStore } from '../app-store.js';
import {
  STRONG_SIGNATURE_VERSION,
  type SignedRequestContext,
  strongSignature,
} from '../security/strong-signature.js';
import type { NonceClaims } from './nonce-store.js';

/** Who is calling: the operator (admin key) or one app (signed request). */
export type ApiCaller = { admin: true } | { admin: false; appID: number };

/** Largest clock difference accepted for `Timestamp`, seconds (ZEGO's rule). */
export const TIMESTAMP_WINDOW_S = 600;

/** ZEGO's server API signature: `md5(AppId + SignatureNonce + ServerSecret + Timestamp)`, lower-case hex. */
export function apiSignature(
  appID: number,
  nonce: string,
  serverSecret: string,
  timestamp: number | string,
): string {
  return createHash('md5').update(`${appID}${nonce}${serverSecret}${timestamp}`).digest('hex');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Checks a signed request's public parameters. Order matters: the signature first (so an unsigned
 * request learns nothing about nonces), then the clock, then the nonce (claimed only for a request
 * that is otherwise valid, so garbage cannot burn nonces).
 */
export async function verifySignedRequest(
  params: URLSearchParams,
  apps: AppStore,
  nonces: NonceClaims,
  nowMs: number = Date.now(),
  /** What the strong signature (`SignatureVersion=minirtc-v2`) covers; without it only ZEGO's form verifies. */
  request?: SignedRequestContext,
): Promise<ApiCaller> {
  const appIdText = params.get('AppId') ?? '';
  const nonce = params.get('SignatureNonce') ?? '';
  const ts = params.get('Timestamp') ?? '';
  const sig = params.get('Signature') ?? '';
  const version = params.get('SignatureVersion');
  if (!/^\d{1,10}$/.test(appIdText) || !nonce || !/^\d{1,12}$/.test(ts) || !sig) {
    throw new MiniRtcError(
      ErrorCode.API_SIGNATURE_INVALID,
      'AppId, SignatureNonce, Timestamp and Signature are required',
    );
  }
  const strong = version === STRONG_SIGNATURE_VERSION;
  if (version !== null && version !== '2.0' && !strong) {
    throw new MiniRtcError(
      ErrorCode.API_SIGNATURE_INVALID,
      `SignatureVersion must be 2.0 or ${STRONG_SIGNATURE_VERSION}`,
    );
  }
  if (nonce.length > 64) throw new MiniRtcError(ErrorCode.API_SIGNATURE_INVALID, 'SignatureNonce too long');
  const appID = Number(appIdText);
  const app = apps.get(appID);
  // An unknown app fails like a bad signature: the reply does not reveal which AppIDs exist.
  const want = !app
    ? ''
    : strong
      ? request
        ? strongSignature(app.serverSecret, appID, nonce, ts, request)
        : ''
      : apiSignature(appID, nonce, app.serverSecret, ts);
  if (!app || !want || !sameText(want, sig.toLowerCase())) {
    throw new MiniRtcError(ErrorCode.API_SIGNATURE_INVALID);
  }
  // An app that requires the strong form refuses ZEGO's (which a replayed query could rebind).
  if (!strong && app.requireStrongSignature) {
    throw new MiniRtcError(
      ErrorCode.API_SIGNATURE_INVALID,
      `this app requires SignatureVersion ${STRONG_SIGNATURE_VERSION}`,
    );
  }
  const skew = Math.abs(nowMs / 1000 - Number(ts));
  if (skew > TIMESTAMP_WINDOW_S) {
    throw new MiniRtcError(
      ErrorCode.API_TIMESTAMP_STALE,
      `Timestamp is ${Math.round(skew)} s away from the server clock`,
    );
  }
  // Keep the nonce until its timestamp leaves the window: then the timestamp check refuses a replay.
  if (!(await nonces.claim(appID, nonce, (Number(ts) + TIMESTAMP_WINDOW_S) * 1000 + 1000))) {
    throw new MiniRtcError(ErrorCode.API_NONCE_REPLAYED);
  }
  return { admin: false, appID };
}

/** Checks `Authorization: Bearer <adminKey>`; null when the header is absent. */
export function verifyAdmin(header: string | undefined, adminKey: string | undefined): ApiCaller | null {
  if (header === undefined) return null;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!adminKey || !m || !sameText(m[1] as string, adminKey))
    throw new MiniRtcError(ErrorCode.API_ADMIN_KEY_INVALID);
  return { admin: true };
}

/** Refuses an app-signed caller acting on another app. */
export function requireAppAccess(caller: ApiCaller, appID: number): void {
  if (!caller.admin && caller.appID !== appID) throw new MiniRtcError(ErrorCode.API_APP_FORBIDDEN);
}

/** Refuses anyone but the operator. */
export function requireAdmin(caller: ApiCaller): void {
  if (!caller.admin) throw new MiniRtcError(ErrorCode.API_APP_FORBIDDEN, 'this endpoint needs the admin key');
}

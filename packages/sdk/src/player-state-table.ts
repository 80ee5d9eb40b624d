import { ErrorCode } from '@minirtc/protocol/lite';
import { SdkErrorCode } from './sdk-errors.js';
import type { ZegoPlayerState, ZegoPublisherState } from './types.js';

/**
 * THE mapping of `<rtc-room>` `onRtmpEvent` codes to ZEGO publisher/player states, as ZEGO's Alipay
 * SDK reads them (docs/sdk-contract.md and the ZEGO article): 3800 push succeeded, 3801 push failed,
 * 3802 play succeeded, 3803 play failed. Alipay's public docs did not let us confirm further codes, so
 * unknown codes change no state (they are still logged and reported to the server's call timeline).
 */
export type RtmpEventRule =
  | { kind: 'publish'; state: ZegoPublisherState; errorCode: number; label: string }
  | { kind: 'play'; state: ZegoPlayerState; errorCode: number; label: string };

/** The table. Keep every code→state decision here. */
export const RTMP_EVENT_TABLE: Readonly<Record<number, RtmpEventRule>> = {
  3800: { kind: 'publish', state: 'PUBLISHING', errorCode: ErrorCode.SUCCESS, label: 'push ok' },
  3801: { kind: 'publish', state: 'NO_PUBLISH', errorCode: SdkErrorCode.PUSH_FAILED, label: 'push failed' },
  3802: { kind: 'play', state: 'PLAYING', errorCode: ErrorCode.SUCCESS, label: 'play ok' },
  3803: { kind: 'play', state: 'NO_PLAY', errorCode: SdkErrorCode.PLAY_FAILED, label: 'play failed' },
};

/** Reads the numeric code out of an `onRtmpEvent` event (`event.detail.code`, number or numeric string). */
export function rtmpEventCode(event: unknown): number | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const detail = (event as { detail?: unknown }).detail;
  const raw = typeof detail === 'object' && detail !== null ? (detail as { code?: unknown }).code : undefined;
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

/** The rule for a code, or undefined for codes the table does not know. */
export function ruleForRtmpCode(code: number | undefined): RtmpEventRule | undefined {
  return code === undefined ? undefined : RTMP_EVENT_TABLE[code];
}

/**
 * MiniRTC SDK codes for cases ZEGO documents no number for (the range 1_990_000–1_999_999 is
 * MiniRTC's own, see `@minirtc/protocol` ErrorCode; 1_990_070+ are raised by the SDK itself).
 */
export const SdkErrorCode = {
  /** `<rtc-room>` reported that the RTMP push failed (onRtmpEvent 3801). */
  PUSH_FAILED: 1990070,
  /** `<rtc-room>` reported that the RTMP play failed (onRtmpEvent 3803). */
  PLAY_FAILED: 1990071,
  /** `checkSystemRequirements`: the runtime lacks `<rtc-room>` (or WebSocket). */
  SYSTEM_REQUIREMENTS_UNMET: 1990072,
} as const;

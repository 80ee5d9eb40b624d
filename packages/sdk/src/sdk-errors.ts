import { ErrorCode } from '@minirtc/protocol/lite';

/**
 * The codes the SDK itself raises for `<rtc-room>` and runtime failures. They live in the protocol's
 * error table, with ZEGO's documented numbers, so the server, the console and the docs name them the
 * same way and apps written for ZEGO Express can switch on them.
 */
export const SdkErrorCode = {
  /** `<rtc-room>` reported that the RTMP push failed (onRtmpEvent 3801). */
  PUSH_FAILED: ErrorCode.MEDIA_PUSH_FAILED,
  /** `<rtc-room>` reported that the RTMP play failed (onRtmpEvent 3803). */
  PLAY_FAILED: ErrorCode.MEDIA_PLAY_FAILED,
  /** `checkSystemRequirements`: the runtime lacks `<rtc-room>`. */
  SYSTEM_REQUIREMENTS_UNMET: ErrorCode.SYSTEM_REQUIREMENTS_UNMET,
} as const;

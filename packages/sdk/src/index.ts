/**
 * MiniRTC SDK: a ZEGO Express-compatible engine for Alipay mini-programs, browsers and Node.
 * This entry registers every platform adapter (Alipay first, then browser, then Node).
 * @packageDocumentation
 */
import { detectAlipay } from './platform-alipay.js';
import { detectBrowser } from './platform-browser.js';
import { detectNode } from './platform-node.js';
import { registerPlatform } from './platform.js';

registerPlatform(detectAlipay);
registerPlatform(detectBrowser);
registerPlatform(detectNode);

export { ZegoExpressEngine } from './engine.js';
export type { EngineOptions } from './engine.js';
export { DefaultReconnectPolicy } from './reconnect-policy.js';
export type { ReconnectContext, ReconnectPolicy } from './reconnect-policy.js';
export type { BackoffOptions } from './backoff.js';
export type * from './types.js';
export type { Platform, PlatformSocket, PlatformRequest, PlatformResponse } from './platform.js';
export { registerPlatform, detectPlatform } from './platform.js';
export { createAlipayPlatform } from './platform-alipay.js';
export type { AlipayMy } from './platform-alipay.js';
export { createBrowserPlatform } from './platform-browser.js';
export { createNodePlatform } from './platform-node.js';
export { RTMP_EVENT_TABLE } from './player-state-table.js';
export { SdkErrorCode } from './sdk-errors.js';
export { SDK_VERSION } from './version.js';
export { MiniRtcError, ErrorCode } from '@minirtc/protocol/lite';

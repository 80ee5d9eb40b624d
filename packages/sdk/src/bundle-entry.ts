/**
 * Entry of the one-file mini-program build (`dist/ZegoExpressMiniProgram.js`), the drop-in for ZEGO's
 * mini-program file: only the Alipay adapter is registered. Nothing of Node (or `ws`) is bundled, and
 * no browser adapter either (1.7 KB a mini-program never runs): web pages use `@minirtc/sdk`, or pass
 * `createBrowserPlatform()` as the `platform` option of that package.
 * @packageDocumentation
 */
import { detectAlipay } from './platform-alipay.js';
import { registerPlatform } from './platform.js';

registerPlatform(detectAlipay);

export { ZegoExpressEngine } from './engine.js';
export { MiniRtcError, ErrorCode } from '@minirtc/protocol/lite';

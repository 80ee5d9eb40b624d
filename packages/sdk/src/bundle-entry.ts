/**
 * Entry of the one-file mini-program build (`dist/ZegoExpressMiniProgram.js`): only the Alipay and
 * browser adapters are registered, so nothing of Node (or `ws`) is bundled.
 * @packageDocumentation
 */
import { detectAlipay } from './platform-alipay.js';
import { detectBrowser } from './platform-browser.js';
import { registerPlatform } from './platform.js';

registerPlatform(detectAlipay);
registerPlatform(detectBrowser);

export { ZegoExpressEngine } from './engine.js';
export { MiniRtcError, ErrorCode } from '@minirtc/protocol/lite';

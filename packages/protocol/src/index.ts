/**
 * MiniRTC wire protocol: error codes, ID rules, limits, message schemas. Pure; runs in every JS
 * runtime including the Alipay mini-program. Token04 and URL signing are in `@minirtc/protocol/crypto`.
 * @packageDocumentation
 */
export * from './errors.js';
export * from './ids.js';
export * from './limits.js';
export * from './schema.js';
export * from './messages.js';
export * from './utf8.js';
export * from './wire.js';
export * from './typed-emitter.js';

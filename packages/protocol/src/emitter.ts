/**
 * Entry `@minirtc/protocol/emitter`: only the shared typed emitter, for packages that need nothing
 * else of the protocol (RTMP, simulator).
 * @packageDocumentation
 */
export * from './typed-emitter.js';

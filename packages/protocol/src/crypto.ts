/**
 * Node-only part of the protocol (needs `node:crypto`): token04 and signed stream URLs. Kept apart
 * so the SDK bundle, which imports only `@minirtc/protocol`, stays free of it.
 * @packageDocumentation
 */
export * from './token04.js';
export * from './stream-url.js';

/**
 * MiniRTC command-line tool and the composition root that wires signaling to the embedded gateway.
 * @packageDocumentation
 */
export * from './config.js';
export * from './platform.js';
export * from './args.js';
export { main } from './main.js';
export type { Io } from './commands.js';
export { loadOrCreateDevApp, readDevApp } from './dev-app.js';
export { loadtestServerFlags } from './loadtest-server.js';
export type { DevApp } from './dev-app.js';

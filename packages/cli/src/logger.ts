import type { Logger } from '@minirtc/server';
import { type DestinationStream, destination, pino } from 'pino';

/**
 * The process logger: pino, JSON lines on stderr (stdout carries the CLI's own output), records below
 * `level` dropped. Our `Logger` interface is pino's `(obj, msg)` call shape, so pino plugs in as is.
 */
export function consoleLogger(
  level: string,
  dest: DestinationStream = destination({ fd: 2, sync: false }),
): Logger {
  return pino({ level, base: { service: 'minirtc' } }, dest);
}

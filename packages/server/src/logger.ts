/**
 * The logger the server writes through. Structured: an object of fields first, a short message second,
 * so the same call serves JSON-lines output in production and a silent sink in tests.
 */
export interface Logger {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

/** Log levels in increasing severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A logger that drops everything (tests, embedding). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** A logger that can make a child carrying fixed fields (pino's `child`). */
interface ChildCapable extends Logger {
  child(bindings: Record<string, unknown>): Logger;
  bindings?(): Record<string, unknown>;
}

/**
 * A logger whose every record carries `fields` (the node identity, so lines from several nodes can be
 * told apart once aggregated). Uses pino's `child` when the logger has one (bindings serialized once);
 * a logger that already carries the same values is returned as it is, so binding twice (the node
 * composer, then the server) never writes a field twice.
 */
export function bindLogger(log: Logger, fields: Record<string, unknown>): Logger {
  if (log === silentLogger) return log;
  const c = log as Partial<ChildCapable>;
  const have = typeof c.bindings === 'function' ? c.bindings() : undefined;
  if (have && Object.entries(fields).every(([k, v]) => have[k] === v)) return log;
  if (typeof c.child === 'function') return c.child(fields);
  return {
    debug: (o, m) => log.debug({ ...fields, ...o }, m),
    info: (o, m) => log.info({ ...fields, ...o }, m),
    warn: (o, m) => log.warn({ ...fields, ...o }, m),
    error: (o, m) => log.error({ ...fields, ...o }, m),
  };
}

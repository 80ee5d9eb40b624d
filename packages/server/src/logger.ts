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

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * A logger writing one JSON object per line to stdout (stderr for warn/error), dropping levels below
 * `level`. Errors inside `obj` are flattened so their message and stack survive JSON.stringify.
 */
export function createConsoleLogger(
  level: LogLevel = 'info',
  bindings: Record<string, unknown> = {},
): Logger {
  const write = (lvl: LogLevel, obj: Record<string, unknown>, msg: string): void => {
    if (rank[lvl] < rank[level]) return;
    const fields: Record<string, unknown> = { time: new Date().toISOString(), level: lvl, msg, ...bindings };
    for (const [k, v] of Object.entries(obj)) {
      fields[k] = v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v;
    }
    let line: string;
    try {
      line = JSON.stringify(fields);
    } catch {
      // A circular or BigInt field must not turn a log call into a crash.
      line = JSON.stringify({ time: fields.time, level: lvl, msg, note: 'unserializable log fields' });
    }
    (rank[lvl] >= rank.warn ? process.stderr : process.stdout).write(`${line}\n`);
  };
  return {
    debug: (o, m) => write('debug', o, m),
    info: (o, m) => write('info', o, m),
    warn: (o, m) => write('warn', o, m),
    error: (o, m) => write('error', o, m),
  };
}

/** A logger that drops everything (tests, embedding). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

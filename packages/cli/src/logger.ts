import type { Logger } from '@minirtc/server';

const levels = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/** A JSON-lines logger on stderr that drops records below `level`. */
export function consoleLogger(level: string): Logger {
  const min = Math.max(0, levels.indexOf(level as (typeof levels)[number]));
  const at = (lvl: number, name: string) => (obj: object, msg?: string) => {
    if (lvl < min) return;
    process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: name, msg, ...obj }) + '\n');
  };
  return { debug: at(0, 'debug'), info: at(1, 'info'), warn: at(2, 'warn'), error: at(3, 'error') };
}

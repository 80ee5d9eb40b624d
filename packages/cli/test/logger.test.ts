import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consoleLogger } from '../src/logger.js';

describe('consoleLogger (pino)', () => {
  // Moved from server/test/units.test.ts with the logger it tested: the hand-written
  // createConsoleLogger was dead code, the process logs through pino.
  it('writes one JSON object per line, filters by level, flattens errors', () => {
    const lines: string[] = [];
    const log = consoleLogger('info', { write: (s: string) => lines.push(s) });
    log.debug({ a: 1 }, 'hidden');
    log.info({ a: 1 }, 'shown');
    log.error({ err: new Error('boom') }, 'failed');
    assert.equal(lines.length, 2);
    assert.ok(
      lines.every((l) => l.endsWith('\n') && l.indexOf('\n') === l.length - 1),
      'one line each',
    );
    const info = JSON.parse(lines[0] as string);
    assert.equal(info.msg, 'shown');
    assert.equal(info.level, 30);
    assert.equal(info.service, 'minirtc');
    assert.equal(info.a, 1);
    const err = JSON.parse(lines[1] as string);
    assert.equal(err.err.message, 'boom');
    assert.match(err.err.stack, /boom/);
  });
});

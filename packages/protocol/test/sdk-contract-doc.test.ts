import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ErrorCode } from '../src/errors.js';

const doc = readFileSync(new URL('../../../docs/sdk-contract.md', import.meta.url), 'utf8');

test('docs/sdk-contract.md lists every error code under its name, and no code that is not in the table', () => {
  const rows = new Map<number, string>();
  for (const m of doc.matchAll(/^\| (\d+) \| `([A-Z_]+)` \|/gm)) rows.set(Number(m[1]), m[2] as string);
  for (const [name, code] of Object.entries(ErrorCode)) {
    assert.equal(rows.get(code), name, `${code} ${name} is documented`);
  }
  const known = new Set<number>(Object.values(ErrorCode));
  for (const code of rows.keys()) assert.ok(known.has(code), `${code} is documented but not in errors.ts`);
});

test('the contract keeps ZEGO’s meaning of 1002051: CONNECTING while the SDK retries', () => {
  assert.match(doc, /\| `CONNECTING` \| `RECONNECTING` \| \*\*1002051\*\*/);
  assert.equal(ErrorCode.CONNECT_TEMPORARILY_BROKEN, 1002051);
});

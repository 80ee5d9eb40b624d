import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ADMIN_KEY_FILE, loadOrCreateAdminKey } from '../src/admin-key.js';
import { loadConfig } from '../src/config.js';

describe('admin key and operations config', () => {
  it('is generated once into the data dir, owner-only, and reused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'minirtc-key-'));
    const k = loadOrCreateAdminKey(dir);
    assert.match(k, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(loadOrCreateAdminKey(dir), k);
    assert.equal(statSync(join(dir, ADMIN_KEY_FILE)).mode & 0o777, 0o600);
  });

  it('api.adminKey, db, consoleDir and webhooks come from env and flags', () => {
    const c = loadConfig({
      env: { MINIRTC_API_ADMIN_KEY: 'k'.repeat(20), MINIRTC_DB: ':memory:' },
      flags: { 'webhooks.retryBaseMs': '50', consoleDir: '/srv/console' },
    });
    assert.equal(c.api.adminKey, 'k'.repeat(20));
    assert.equal(c.db.file, ':memory:');
    assert.equal(c.webhooks.retryBaseMs, 50);
    assert.equal(c.consoleDir, '/srv/console');
    assert.throws(() => loadConfig({ env: { MINIRTC_API_ADMIN_KEY: 'short' } }), /api\.adminKey/);
  });

  it('db: file and url (PostgreSQL); the older string forms still mean the file', () => {
    const c = loadConfig({
      env: { MINIRTC_DB_URL: 'postgresql://minirtc@/minirtc?host=/run/postgresql' },
      flags: { db: '/var/lib/minirtc/x.db' },
    });
    assert.equal(c.db.url, 'postgresql://minirtc@/minirtc?host=/run/postgresql');
    assert.equal(c.db.file, '/var/lib/minirtc/x.db');
    assert.equal(loadConfig({ flags: { 'db.file': ':memory:' } }).db.file, ':memory:');
    assert.equal(loadConfig({}).db.url, undefined, 'SQLite only by default');
    assert.throws(() => loadConfig({ flags: { 'db.url': 'mysql://x' } }), /db\.url/);
  });
});

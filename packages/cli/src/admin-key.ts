import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** File in the data dir holding the generated REST API admin key. */
export const ADMIN_KEY_FILE = 'admin-key';

/**
 * Reads `<dataDir>/admin-key`, or creates it (owner-only) with a fresh random key, so `npm start`
 * always has an admin key and keeps the same one across restarts.
 */
export function loadOrCreateAdminKey(dataDir: string): string {
  const file = join(dataDir, ADMIN_KEY_FILE);
  try {
    const key = readFileSync(file, 'utf8').trim();
    if (key.length >= 16) return key;
  } catch {
    // absent or unreadable: make a new one below
  }
  const key = randomBytes(24).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

import type { Db } from '../store/database.js';

/** Where the nonces of signed API requests are claimed (SQLite at once, PostgreSQL asynchronously). */
export interface NonceClaims {
  /** Records a nonce; false if the app already used it and it has not expired. */
  claim(appID: number, nonce: string, expiresAt: number): boolean | Promise<boolean>;
}

/**
 * Nonces of signed API requests, kept for as long as their timestamp could still be accepted, in
 * SQLite so a restart does not reopen the replay window.
 */
export class NonceStore implements NonceClaims {
  #checks = 0;

  constructor(private readonly db: Db) {}

  /** Records a nonce; false if the app already used it and it has not expired. */
  claim(appID: number, nonce: string, expiresAt: number): boolean {
    if (++this.#checks % 500 === 0)
      this.db.prepare('DELETE FROM api_nonces WHERE expires_at < ?').run(Date.now());
    const r = this.db
      .prepare(
        `INSERT INTO api_nonces (app_id, nonce, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (app_id, nonce) DO UPDATE SET expires_at = excluded.expires_at
         WHERE api_nonces.expires_at < ?`,
      )
      .run(appID, nonce, expiresAt, Date.now());
    return r.changes === 1;
  }
}

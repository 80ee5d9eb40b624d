import type { NonceClaims } from '../api/nonce-store.js';
import type { PgPool } from './pg-database.js';

/**
 * Nonces of signed API requests in PostgreSQL, shared by every node: a request replayed to another
 * node within its timestamp window is refused there too. A claim is one statement (the insert wins
 * or finds a live row), so two nodes claiming the same nonce at once cannot both succeed.
 */
export class PgNonceStore implements NonceClaims {
  #checks = 0;

  constructor(private readonly pool: PgPool) {}

  /** Records a nonce; false if the app already used it and it has not expired. */
  async claim(appID: number, nonce: string, expiresAt: number): Promise<boolean> {
    const now = Date.now();
    if (++this.#checks % 500 === 0)
      await this.pool.query('DELETE FROM api_nonces WHERE expires_at < $1', [now]);
    const r = await this.pool.query(
      `INSERT INTO api_nonces (app_id, nonce, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (app_id, nonce) DO UPDATE SET expires_at = excluded.expires_at
       WHERE api_nonces.expires_at < $4`,
      [appID, nonce, expiresAt, now],
    );
    return r.rowCount === 1;
  }
}

/** The SQL dialects MiniRTC stores its durable data in. */
export type Dialect = 'sqlite' | 'pg';

/**
 * Schema migrations, applied in order (SQLite records the count in `user_version`, PostgreSQL in
 * `minirtc_schema`). Append only: a released migration never changes, so a database written by an
 * older version upgrades in place. Written once, in the SQLite form; {@link migrationsFor} derives the
 * PostgreSQL form, so the two schemas cannot drift apart. The rare step that must differ (an index
 * only one dialect's access pattern needs) names both forms, and keeps the version numbers aligned.
 */
const MIGRATIONS: readonly (string | { sqlite: string; pg: string })[] = [
  `CREATE TABLE apps (
     app_id INTEGER PRIMARY KEY,
     server_secret TEXT NOT NULL,
     callback_secret TEXT NOT NULL,
     name TEXT NOT NULL DEFAULT '',
     callback_url TEXT,
     max_room_members INTEGER,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE webhook_events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     app_id INTEGER NOT NULL,
     room_key TEXT NOT NULL,
     event TEXT NOT NULL,
     payload TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_at INTEGER NOT NULL,
     delivered_at INTEGER,
     dead INTEGER NOT NULL DEFAULT 0,
     last_error TEXT
   );
   CREATE INDEX webhook_events_pending ON webhook_events (room_key, seq) WHERE delivered_at IS NULL AND dead = 0;
   CREATE INDEX webhook_events_app ON webhook_events (app_id, created_at);
   CREATE TABLE webhook_deliveries (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     event_id TEXT NOT NULL,
     app_id INTEGER NOT NULL,
     event TEXT NOT NULL,
     attempt INTEGER NOT NULL,
     at INTEGER NOT NULL,
     url TEXT NOT NULL,
     status INTEGER,
     error TEXT,
     duration_ms INTEGER NOT NULL
   );
   CREATE INDEX webhook_deliveries_app ON webhook_deliveries (app_id, at);
   CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
   CREATE TABLE timeline (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     app_id INTEGER NOT NULL,
     room_id TEXT,
     user_id TEXT,
     stream_id TEXT,
     at INTEGER NOT NULL,
     kind TEXT NOT NULL,
     detail TEXT
   );
   CREATE INDEX timeline_app_room ON timeline (app_id, room_id, seq);
   CREATE INDEX timeline_app_user ON timeline (app_id, user_id, seq);
   CREATE TABLE sdk_logs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     app_id INTEGER NOT NULL,
     room_id TEXT,
     user_id TEXT,
     level TEXT NOT NULL,
     time INTEGER NOT NULL,
     received_at INTEGER NOT NULL,
     message TEXT NOT NULL,
     data TEXT
   );
   CREATE INDEX sdk_logs_app ON sdk_logs (app_id, id);
   CREATE TABLE api_nonces (
     app_id INTEGER NOT NULL,
     nonce TEXT NOT NULL,
     expires_at INTEGER NOT NULL,
     PRIMARY KEY (app_id, nonce)
   );`,
  // v2: the delivery log names the room, so the console can filter it without joining the outbox.
  `ALTER TABLE webhook_deliveries ADD COLUMN room_id TEXT;`,
  // v3: expired nonces are deleted by time; without an index that is a scan of every stored nonce.
  `CREATE INDEX api_nonces_expiry ON api_nonces (expires_at);`,
  // v4: per-app security settings (refuse CBC tokens, require the strong API signature), as JSON.
  `ALTER TABLE apps ADD COLUMN security TEXT;`,
  // v5: who is in which room right now, so a restart after a crash can send their logout/close webhooks.
  `CREATE TABLE open_presence (
     app_id INTEGER NOT NULL,
     room_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     session_id TEXT NOT NULL,
     PRIMARY KEY (app_id, room_id, user_id)
   );`,
  // v6: PostgreSQL dispatchers claim the oldest due head in seq order; without this index the claim
  // walks every delivered row first. SQLite's single dispatcher keeps its heads in memory: no index.
  {
    sqlite: 'SELECT 1;',
    pg: 'CREATE INDEX webhook_events_due ON webhook_events (seq) WHERE delivered_at IS NULL AND dead = 0;',
  },
];

/**
 * The migrations in one dialect. SQLite gets the text as written. PostgreSQL differs only in integer
 * width and key generation: every INTEGER is a BIGINT (SQLite's INTEGER is 64-bit already, and the
 * millisecond timestamps do not fit PostgreSQL's 32-bit one), an AUTOINCREMENT key is an identity.
 */
export function migrationsFor(dialect: Dialect): string[] {
  return MIGRATIONS.map((m) => {
    // A migration that must differ between the dialects names both.
    if (typeof m !== 'string') return m[dialect];
    if (dialect === 'sqlite') return m;
    return m
      .replace(/\bINTEGER PRIMARY KEY AUTOINCREMENT\b/g, 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY')
      .replace(/\bINTEGER\b/g, 'BIGINT');
  });
}

import type { EventEmitter } from 'node:events';
import type { AppStore } from '../app-store.js';
import type { ServerEvents } from '../events.js';
import type { Db } from '../store/database.js';
import { hasCallback } from '../webhooks/attempt.js';
import { roomKey } from '../webhooks/event-mapper.js';
import type { WebhookOutbox } from '../webhooks/outbox.js';

interface PresenceRow {
  app_id: number;
  room_id: string;
  user_id: string;
  session_id: string;
}

/**
 * A durable record of who is in which room, kept in SQLite as logins and logouts happen. A clean
 * shutdown empties it (every member gets its logout); after a crash (`kill -9`, power loss) it still
 * holds the members of that moment, and the next start sends their `room_logout` and the rooms'
 * `room_close` webhooks with the reason `server_restart`, so the app's own bookkeeping closes.
 */
export class PresenceJournal {
  readonly #put;
  readonly #del;
  /** `app|room|user` → session, for the rows written since start (the table's primary key). */
  readonly #open = new Map<string, string>();

  /**
   * @param reports whether an app has webhooks now: only its members are journaled, since recovery
   *   sends nothing for the others (a commit per login and per logout was about 15 % of a login's
   *   server CPU with the database in a file, for apps that never read the result).
   */
  constructor(
    private readonly db: Db,
    private readonly reports: (appID: number) => boolean = () => true,
  ) {
    this.#put = db.prepare(
      'INSERT OR REPLACE INTO open_presence (app_id, room_id, user_id, session_id) VALUES (?, ?, ?, ?)',
    );
    this.#del = db.prepare(
      'DELETE FROM open_presence WHERE app_id = ? AND room_id = ? AND user_id = ? AND session_id = ?',
    );
  }

  /**
   * Follows the server's logins and logouts (a replaced session overwrites its row). A member who
   * logged in while the app had no webhooks is not journaled: the app was not told of the login
   * either, so a crash owes it no logout.
   */
  attach(server: EventEmitter<ServerEvents>): void {
    const key = (e: { appID: number; roomID: string; userID: string }) =>
      `${e.appID}|${e.roomID}|${e.userID}`;
    server.on('login', (e) => {
      if (!this.reports(e.appID)) return;
      this.#put.run(e.appID, e.roomID, e.userID, e.sessionID);
      this.#open.set(key(e), e.sessionID);
    });
    server.on('logout', (e) => {
      const k = key(e);
      if (this.#open.get(k) !== e.sessionID) return; // never written, or overwritten by a newer session
      this.#open.delete(k);
      this.#del.run(e.appID, e.roomID, e.userID, e.sessionID);
    });
  }

  /**
   * Sends what a crash left unsaid: for every member still recorded, `room_logout`, then for each of
   * their rooms `room_close`, all with reason `server_restart`; then forgets them. Returns how many
   * members were recovered. Call once at start, before clients can log in again.
   */
  recover(apps: AppStore, outbox: WebhookOutbox, notify: (key: string) => void): number {
    const rows = this.db
      .prepare('SELECT * FROM open_presence ORDER BY app_id, room_id')
      .all() as PresenceRow[];
    if (rows.length === 0) return 0;
    const now = Date.now();
    const rooms = new Map<string, { appID: number; roomID: string }>();
    this.db.transaction(() => {
      for (const r of rows) {
        const app = apps.get(r.app_id);
        if (!hasCallback(app)) continue;
        const key = roomKey(r.app_id, r.room_id);
        outbox.enqueue(r.app_id, key, 'room_logout', {
          room_id: r.room_id,
          user_account: r.user_id,
          session_id: r.session_id,
          logout_time: now,
          reason: 'server_restart',
          detail: 'server_restart',
        });
        rooms.set(key, { appID: r.app_id, roomID: r.room_id });
      }
      for (const [key, r] of rooms) {
        outbox.enqueue(r.appID, key, 'room_close', {
          room_id: r.roomID,
          close_time: now,
          reason: 'server_restart',
        });
      }
      this.db.prepare('DELETE FROM open_presence').run();
    })();
    for (const key of rooms.keys()) notify(key);
    return rows.length;
  }
}

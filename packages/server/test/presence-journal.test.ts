import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { ServerEvents } from '../src/events.js';
import { PresenceJournal } from '../src/security/presence-journal.js';
import { openDatabase } from '../src/store/database.js';

const rows = (db: ReturnType<typeof openDatabase>) =>
  db.prepare('SELECT app_id, room_id, user_id, session_id FROM open_presence ORDER BY app_id, user_id').all();

test('only members of apps with webhooks are journaled; a replaced session keeps the newer row', () => {
  const db = openDatabase(':memory:');
  const server = new EventEmitter<ServerEvents>();
  new PresenceJournal(db, (appID) => appID === 1).attach(server);
  const login = (appID: number, userID: string, sessionID: string) =>
    server.emit('login', { appID, roomID: 'r', userID, sessionID, replaced: false });
  const logout = (appID: number, userID: string, sessionID: string) =>
    server.emit('logout', { appID, roomID: 'r', userID, sessionID, reason: 'logout' });

  login(1, 'a', 's1');
  login(2, 'b', 's2'); // no webhooks: nothing to owe after a crash
  assert.deepEqual(rows(db), [{ app_id: 1, room_id: 'r', user_id: 'a', session_id: 's1' }]);

  login(1, 'a', 's3'); // the same user again: the row now names the new session
  logout(1, 'a', 's1'); // the replaced session's logout must not remove the new one's row
  assert.deepEqual(rows(db), [{ app_id: 1, room_id: 'r', user_id: 'a', session_id: 's3' }]);
  logout(2, 'b', 's2');
  logout(1, 'a', 's3');
  assert.deepEqual(rows(db), []);
  db.close();
});

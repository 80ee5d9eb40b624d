import { randomBytes, randomInt } from 'node:crypto';
import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import type { AppRecord, AppStore } from '../app-store.js';
import type { Db } from './database.js';

/** Fields an operator may set when creating an app. */
export interface NewApp {
  name: string;
  callbackUrl?: string;
  maxRoomMembers?: number;
  /** Fixed AppID (imports, the dev app); random otherwise. */
  appID?: number;
  /** Fixed ServerSecret (imports, the dev app); random otherwise. */
  serverSecret?: string;
}

/** Fields an operator may change; `null` clears an optional one. */
export interface AppPatch {
  name?: string;
  callbackUrl?: string | null;
  maxRoomMembers?: number | null;
  refuseCbcTokens?: boolean;
  requireStrongSignature?: boolean;
}

/** An {@link AppStore} the REST API can manage (create, update, rotate, delete). */
export interface ManagedAppStore extends AppStore {
  create(input: NewApp): AppRecord;
  update(appID: number, patch: AppPatch): AppRecord;
  rotate(appID: number, which: 'server' | 'callback'): AppRecord;
  remove(appID: number): boolean;
  /** Resolves once the changes made so far are durable (a store that writes behind: PostgreSQL). */
  flush?(): Promise<void>;
}

/** True when a store can be managed through the REST API. */
export function isManaged(s: AppStore): s is ManagedAppStore {
  const m = s as Partial<ManagedAppStore>;
  return typeof m.create === 'function' && typeof m.update === 'function' && typeof m.rotate === 'function';
}

/** An `apps` row (the same shape from SQLite and PostgreSQL). */
export interface AppRow {
  app_id: number;
  server_secret: string;
  callback_secret: string;
  name: string;
  callback_url: string | null;
  max_room_members: number | null;
  created_at: number;
  /** JSON of the per-app security settings (v4). */
  security?: string | null;
}

/** A 32-character secret (token04 needs exactly 32 bytes). */
export function newSecret(): string {
  return randomBytes(16).toString('hex');
}

/** A row as an {@link AppRecord}. */
export function toRecord(r: AppRow): AppRecord {
  return {
    appID: r.app_id,
    serverSecret: r.server_secret,
    callbackSecret: r.callback_secret,
    name: r.name,
    ...(r.callback_url ? { callbackUrl: r.callback_url } : {}),
    ...(r.max_room_members ? { maxRoomMembers: r.max_room_members } : {}),
    ...appSecurity(r.security),
    createdAt: r.created_at,
  };
}

/** Where a {@link CachedAppStore} writes its changes (SQLite at once, PostgreSQL through a queue). */
export interface AppWriter {
  insert(row: AppRow): void;
  /** Sets some columns of one app. */
  set(appID: number, cols: Partial<Omit<AppRow, 'app_id'>>): void;
  remove(appID: number): void;
}

/**
 * Apps held in memory in front of a database: `get` sits on the login and media-auth paths, so reads
 * never touch the database; writes go to both.
 */
export class CachedAppStore implements ManagedAppStore {
  protected readonly cache = new Map<number, AppRecord>();

  constructor(
    rows: AppRow[],
    private readonly writer: AppWriter,
  ) {
    for (const r of rows) this.cache.set(r.app_id, toRecord(r));
  }

  /** The app with this AppID, if any. */
  get(appID: number): AppRecord | undefined {
    return this.cache.get(appID);
  }

  /** Every app, by AppID. */
  list(): AppRecord[] {
    return [...this.cache.values()].sort((a, b) => a.appID - b.appID);
  }

  /** Creates an app with fresh secrets (and a random AppID unless one is given). */
  create(input: NewApp): AppRecord {
    let appID = input.appID;
    if (appID !== undefined) {
      if (!Number.isInteger(appID) || appID <= 0 || appID > 0xffffffff) {
        throw new MiniRtcError(ErrorCode.INVALID_PARAM, `invalid appID ${appID}`);
      }
      if (this.cache.has(appID)) throw new MiniRtcError(ErrorCode.INVALID_PARAM, `app ${appID} exists`);
    } else {
      do appID = randomInt(100_000_000, 2_000_000_000);
      while (this.cache.has(appID));
    }
    const serverSecret = input.serverSecret ?? newSecret();
    if (Buffer.byteLength(serverSecret, 'utf8') !== 32) {
      throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'serverSecret must be 32 bytes');
    }
    const row: AppRow = {
      app_id: appID,
      server_secret: serverSecret,
      callback_secret: newSecret(),
      name: input.name,
      callback_url: input.callbackUrl ?? null,
      max_room_members: input.maxRoomMembers ?? null,
      created_at: Date.now(),
    };
    this.writer.insert(row);
    const rec = toRecord(row);
    this.cache.set(appID, rec);
    return rec;
  }

  /**
   * Adds an app with a known AppID and secret if it is absent (the CLI's dev app); an existing one is
   * left as it is, so secrets rotated through the API survive restarts.
   */
  ensure(app: { appID: number; serverSecret: string; name?: string }): AppRecord {
    return (
      this.get(app.appID) ??
      this.create({ appID: app.appID, serverSecret: app.serverSecret, name: app.name ?? '' })
    );
  }

  /**
   * Makes an app with this AppID have this ServerSecret (and name, if given), creating it if absent:
   * for apps whose secret lives elsewhere and is authoritative (the CLI's dev app, a simulation).
   */
  upsert(app: { appID: number; serverSecret: string; name?: string }): AppRecord {
    const cur = this.get(app.appID);
    if (!cur) return this.create({ appID: app.appID, serverSecret: app.serverSecret, name: app.name ?? '' });
    if (cur.serverSecret === app.serverSecret && (app.name === undefined || app.name === cur.name))
      return cur;
    if (Buffer.byteLength(app.serverSecret, 'utf8') !== 32) {
      throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'serverSecret must be 32 bytes');
    }
    const next: AppRecord = { ...cur, serverSecret: app.serverSecret, name: app.name ?? cur.name ?? '' };
    this.writer.set(app.appID, { server_secret: next.serverSecret, name: next.name ?? '' });
    this.cache.set(app.appID, next);
    return next;
  }

  /** Changes name, callback URL or member cap. */
  update(appID: number, patch: AppPatch): AppRecord {
    const cur = this.#require(appID);
    const next: AppRecord = { ...cur };
    if (patch.name !== undefined) next.name = patch.name;
    if (patch.callbackUrl === null) delete next.callbackUrl;
    else if (patch.callbackUrl !== undefined) next.callbackUrl = patch.callbackUrl;
    if (patch.maxRoomMembers === null || patch.maxRoomMembers === 0) delete next.maxRoomMembers;
    else if (patch.maxRoomMembers !== undefined) next.maxRoomMembers = patch.maxRoomMembers;
    if (patch.refuseCbcTokens !== undefined) next.refuseCbcTokens = patch.refuseCbcTokens;
    if (patch.requireStrongSignature !== undefined)
      next.requireStrongSignature = patch.requireStrongSignature;
    const security = JSON.stringify({
      refuseCbcTokens: next.refuseCbcTokens === true,
      requireStrongSignature: next.requireStrongSignature === true,
    });
    this.writer.set(appID, {
      name: next.name ?? '',
      callback_url: next.callbackUrl ?? null,
      max_room_members: next.maxRoomMembers ?? null,
      security,
    });
    this.cache.set(appID, next);
    return next;
  }

  /** Replaces the ServerSecret (tokens and stream URLs signed with the old one stop working) or the CallbackSecret. */
  rotate(appID: number, which: 'server' | 'callback'): AppRecord {
    const cur = this.#require(appID);
    const secret = newSecret();
    const next: AppRecord =
      which === 'server' ? { ...cur, serverSecret: secret } : { ...cur, callbackSecret: secret };
    this.writer.set(appID, which === 'server' ? { server_secret: secret } : { callback_secret: secret });
    this.cache.set(appID, next);
    return next;
  }

  /** Deletes an app; true if it existed. Live sessions of it are not touched (their next check fails). */
  remove(appID: number): boolean {
    this.writer.remove(appID);
    return this.cache.delete(appID);
  }

  #require(appID: number): AppRecord {
    const a = this.cache.get(appID);
    if (!a) throw new MiniRtcError(ErrorCode.API_APP_NOT_FOUND);
    return a;
  }
}

/** The columns an {@link AppWriter} may set (the only names that reach the SQL text). */
export const APP_COLUMNS = new Set([
  'server_secret',
  'callback_secret',
  'name',
  'callback_url',
  'max_room_members',
  'security',
]);

/** Apps in the node's SQLite database. */
export class SqliteAppStore extends CachedAppStore {
  constructor(db: Db) {
    super(db.prepare('SELECT * FROM apps').all() as AppRow[], {
      insert: (row) =>
        db
          .prepare(
            `INSERT INTO apps (app_id, server_secret, callback_secret, name, callback_url, max_room_members, created_at)
             VALUES (@app_id, @server_secret, @callback_secret, @name, @callback_url, @max_room_members, @created_at)`,
          )
          .run(row),
      set: (appID, cols) => {
        const names = Object.keys(cols).filter((k) => APP_COLUMNS.has(k));
        db.prepare(`UPDATE apps SET ${names.map((k) => `${k} = ?`).join(', ')} WHERE app_id = ?`).run(
          ...names.map((k) => cols[k as keyof typeof cols] ?? null),
          appID,
        );
      },
      remove: (appID) => db.prepare('DELETE FROM apps WHERE app_id = ?').run(appID),
    });
  }
}

/** The per-app security flags stored as JSON (absent or unreadable: none set). */
function appSecurity(
  json: string | null | undefined,
): Pick<AppRecord, 'refuseCbcTokens' | 'requireStrongSignature'> {
  if (!json) return {};
  try {
    const o = JSON.parse(json) as Record<string, unknown>;
    return {
      ...(o.refuseCbcTokens === true ? { refuseCbcTokens: true } : {}),
      ...(o.requireStrongSignature === true ? { requireStrongSignature: true } : {}),
    };
  } catch {
    return {};
  }
}

import { userKey } from '@minirtc/protocol';
import type { Session } from './model.js';

/**
 * Sessions by ID and by (AppID, userID): the second index enforces one session per user and finds
 * the older session to kick or replace.
 */
export class SessionRegistry {
  readonly #byId = new Map<string, Session>();
  readonly #byUser = new Map<string, Session>();
  /** Replaced session IDs → current session ID, so grants issued to the old one stay valid. */
  readonly #aliases = new Map<string, string>();
  /** Sessions partly taken over by a successor, by user key (see {@link Signaling.adopt}). */
  readonly #lingering = new Map<string, Set<Session>>();

  /** Registers a session (replacing the user's index entry). */
  add(s: Session): void {
    this.#byId.set(s.id, s);
    this.#byUser.set(s.key, s);
  }

  /** A session by ID, following silent replacements. */
  get(id: string): Session | undefined {
    const direct = this.#byId.get(id);
    if (direct) return direct;
    const to = this.#aliases.get(id);
    return to === undefined ? undefined : this.#byId.get(to);
  }

  /** The current session of a user. */
  byUser(appID: number, userID: string): Session | undefined {
    return this.#byUser.get(userKey(appID, userID));
  }

  /** Records that `next` replaced `old` (old's ID and its own aliases now resolve to `next`). */
  alias(old: Session, next: Session): void {
    for (const id of [old.id, ...old.aliases]) {
      this.#aliases.set(id, next.id);
      next.aliases.push(id);
    }
  }

  /** Takes a session out of the per-user index, still findable by ID and by {@link lingeringOf}. */
  linger(s: Session): void {
    if (this.#byUser.get(s.key) === s) this.#byUser.delete(s.key);
    let set = this.#lingering.get(s.key);
    if (!set) {
      set = new Set();
      this.#lingering.set(s.key, set);
    }
    set.add(s);
  }

  /** Lingering sessions of a user, oldest first. */
  lingeringOf(appID: number, userID: string): Session[] {
    return [...(this.#lingering.get(userKey(appID, userID)) ?? [])];
  }

  /** Forgets a session and its aliases. */
  delete(s: Session): void {
    if (this.#byId.get(s.id) === s) this.#byId.delete(s.id);
    if (this.#byUser.get(s.key) === s) this.#byUser.delete(s.key);
    const set = this.#lingering.get(s.key);
    if (set?.delete(s) && set.size === 0) this.#lingering.delete(s.key);
    for (const id of s.aliases) if (this.#aliases.get(id) === s.id) this.#aliases.delete(id);
  }

  /** Every live session. */
  all(): Session[] {
    return [...this.#byId.values()];
  }

  /** Number of live sessions. */
  get size(): number {
    return this.#byId.size;
  }
}

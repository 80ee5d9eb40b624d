import type { Token04Info } from '@minirtc/protocol/crypto';
import type { WireUser } from '@minirtc/protocol';
import type { Room } from './room.js';
import type { Session } from './session.js';
import type { LongTimer } from './timers.js';

/**
 * A session's presence in one room: the link both sides hold. It carries what is per room rather than
 * per session: the token (each room login has its own, with its own expiry and privileges), the
 * `userUpdate` wish, and the token timers.
 */
export class Membership {
  /** Timer for `tokenWillExpire`. */
  willExpireTimer: LongTimer | null = null;
  /** Timer for the expiry kick. */
  expireTimer: LongTimer | null = null;
  readonly joinedAt = Date.now();

  constructor(
    readonly room: Room,
    public session: Session,
    public token: Token04Info,
    public userUpdate: boolean,
  ) {}

  /** The user as others see it. */
  get user(): WireUser {
    return { userID: this.session.userID, userName: this.session.userName };
  }

  /** Stops the token timers (leave, renew, replacement). */
  clearTimers(): void {
    this.willExpireTimer?.cancel();
    this.expireTimer?.cancel();
    this.willExpireTimer = null;
    this.expireTimer = null;
  }
}

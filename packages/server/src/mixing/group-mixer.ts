import type { EventEmitter } from 'node:events';
import type { ServerEvents } from '../events.js';
import type { Logger } from '../logger.js';
import type { Signaling } from '../core/signaling.js';
import type { MixService } from './mix-service.js';
import { MIX_USER_ID } from './service-grant.js';

/** The output streamID of a member's personal mix: `mix_<userID>` with odd characters as `_`. */
export function groupMixStreamID(userID: string): string {
  return `mix_${userID.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 200)}`;
}

/** Settings of group mixing. */
export interface GroupMixOptions {
  /** Rooms whose ID starts with one of these get a mix per member; none when empty. */
  roomPrefixes: string[];
  width?: number;
  height?: number;
  fps?: number;
  videoBitrate?: number;
}

/**
 * Group calls for `<rtc-room>`, which plays one stream: in a matching room every member gets a mix of
 * everybody else's streams (so nobody hears themselves), published as `mix_<userID>` in the room.
 *
 * A stream is an input from its first media until its reservation ends (stopPublish, logout, kick):
 * a publisher that re-pushes (the app remounts its `<rtc-room>` to change a URL, a network blip) keeps
 * its tile, which goes black for the gap while the mixer takes the stream in again. Re-laying out on
 * every gap would restart every other member's mix, and on a loaded host a member whose inputs were all
 * between pushes at once would lose its mix (a DELETE, so its app remounts and re-pushes too): one
 * remount would ripple through the room. The set is recomputed when a stream goes live or is released
 * and when a member joins or leaves; a changed input set updates the task (its tiles re-lay out).
 */
export class GroupMixer {
  readonly #pending = new Set<string>();
  /** `appID\nstreamID` of reservations that have had media (inputs until released). */
  readonly #seenLive = new Set<string>();

  constructor(
    events: EventEmitter<ServerEvents>,
    private readonly core: Signaling,
    private readonly mixer: MixService,
    private readonly opts: GroupMixOptions,
    private readonly log: Logger,
  ) {
    if (opts.roomPrefixes.length === 0) return;
    const touch = (e: { appID: number; roomID: string; userID?: string }): void => {
      if (e.userID === MIX_USER_ID || !this.#matches(e.roomID)) return;
      const key = `${e.appID}\n${e.roomID}`;
      if (this.#pending.has(key)) return;
      this.#pending.add(key);
      // Coalesce a burst (a login publishing at once, a room closing) into one recompute.
      setImmediate(() => {
        this.#pending.delete(key);
        this.#sync(e.appID, e.roomID);
      });
    };
    events.on('streamLive', (e) => {
      if (e.userID !== MIX_USER_ID && this.#matches(e.roomID))
        this.#seenLive.add(`${e.appID}\n${e.streamID}`);
      touch(e);
    });
    events.on('streamReleased', (e) => {
      this.#seenLive.delete(`${e.appID}\n${e.streamID}`);
      touch(e);
    });
    events.on('login', touch);
    events.on('logout', touch);
  }

  #matches(roomID: string): boolean {
    return this.opts.roomPrefixes.some((p) => roomID.startsWith(p));
  }

  #taskID(userID: string): string {
    return `group.${groupMixStreamID(userID)}`;
  }

  #sync(appID: number, roomID: string): void {
    const room = this.core.rooms.get(appID, roomID);
    const existing = new Map(
      this.mixer
        .list(appID)
        .filter((t) => t.roomID === roomID)
        .map((t) => [t.taskID, t]),
    );
    const want = new Set<string>();
    if (room) {
      const sources = [...room.streams.values()].filter(
        (s) => s.userID !== MIX_USER_ID && (s.live || this.#seenLive.has(`${appID}\n${s.streamID}`)),
      );
      for (const userID of room.members.keys()) {
        const inputs = sources.filter((s) => s.userID !== userID).map((s) => s.streamID);
        if (inputs.length === 0) continue;
        const taskID = this.#taskID(userID);
        want.add(taskID);
        const cur = existing.get(taskID);
        const same = cur && cur.inputs.map((i) => i.streamID).join('\n') === inputs.join('\n');
        if (same) continue;
        try {
          this.mixer.start(appID, {
            taskID,
            roomID,
            inputs: inputs.map((streamID) => ({ streamID })),
            outputStreamID: groupMixStreamID(userID),
            width: this.opts.width ?? 320,
            height: this.opts.height ?? 240,
            fps: this.opts.fps ?? 15,
            videoBitrate: this.opts.videoBitrate ?? 400_000,
          });
        } catch (err) {
          this.log.warn({ err, appID, roomID, userID }, 'group mix could not start');
        }
      }
    }
    for (const taskID of existing.keys()) {
      if (taskID.startsWith('group.') && !want.has(taskID)) this.mixer.stop(appID, taskID);
    }
  }
}

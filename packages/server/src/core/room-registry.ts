import { Room, type RoomLimits } from './model.js';

/** Rooms by AppID and roomID: roomIDs are unique per AppID only. */
export class RoomRegistry {
  readonly #byApp = new Map<number, Map<string, Room>>();

  constructor(private readonly limits: RoomLimits) {}

  /** A room, if it exists. */
  get(appID: number, roomID: string): Room | undefined {
    return this.#byApp.get(appID)?.get(roomID);
  }

  /** Creates a room (the caller has checked it is absent). */
  create(appID: number, roomID: string, maxMembers: number): Room {
    let app = this.#byApp.get(appID);
    if (!app) {
      app = new Map();
      this.#byApp.set(appID, app);
    }
    const room = new Room(appID, roomID, maxMembers, this.limits);
    app.set(roomID, room);
    return room;
  }

  /** Forgets a room; true if it existed. */
  delete(appID: number, roomID: string): boolean {
    const app = this.#byApp.get(appID);
    if (!app?.delete(roomID)) return false;
    if (app.size === 0) this.#byApp.delete(appID);
    return true;
  }

  /** Every room, or the rooms of one app. */
  list(appID?: number): Room[] {
    if (appID !== undefined) return [...(this.#byApp.get(appID)?.values() ?? [])];
    return [...this.#byApp.values()].flatMap((m) => [...m.values()]);
  }
}

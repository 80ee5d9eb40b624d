import type { PageInstance } from './page-instance.js';
import { RtcRoom, type RtcRoomContextCall, type RtcRoomHost } from './rtc-room.js';
import type { SimulatorEvents } from './simulator-events.js';
import type { Payloads, TypedEmitter } from '@minirtc/protocol/emitter';

/** What the mount tracker needs from its instance. */
export interface MountsHost {
  readonly events: TypedEmitter<Payloads<SimulatorEvents>>;
  readonly contextCalls: RtcRoomContextCall[];
}

/** Media settings shared by the rooms of an instance. */
export interface MountsOptions {
  mediaFile?: string;
  ffmpegPath?: string;
  online(): boolean;
}

/**
 * Keeps the emulated `<rtc-room>`s in step with what pages render: a new `id` in a render mounts a room
 * (and starts its media), an `id` gone from the render unmounts it (and kills its media). This is how the
 * device behaves for the sample apps, which recreate the component with a new id whenever a URL changes.
 */
export class RtcRoomMounts {
  private readonly byPage = new Map<PageInstance, Map<string, RtcRoom>>();
  private readonly lastById = new Map<string, RtcRoom>();
  private readonly pageOf = new Map<RtcRoom, PageInstance>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly host: MountsHost,
    private readonly opts: MountsOptions,
  ) {}

  private roomHost(): RtcRoomHost {
    return {
      online: () => this.opts.online(),
      mediaFile: this.opts.mediaFile,
      ffmpegPath: this.opts.ffmpegPath,
      progress: (room) => this.host.events.emit('mediaProgress', { id: room.id }),
      exited: (room, role, code, signal) =>
        this.host.events.emit('mediaExit', { id: room.id, role, code, signal }),
      raise: (room, eventAttr, detail) => {
        const page = this.pageOf.get(room);
        const el = page?.byId(room.id);
        if (page !== undefined && el !== undefined) page.dispatch(el, eventAttr.slice(2), detail);
        this.host.events.emit('rtcRoomEvent', { id: room.id, event: eventAttr, detail });
        if (eventAttr === 'onRtmpEvent') {
          this.host.events.emit('rtmpEvent', {
            id: room.id,
            code: Number(detail['code']),
            message: String(detail['message'] ?? ''),
          });
        } else if (eventAttr === 'onFirstRender') this.host.events.emit('firstRender', { id: room.id });
      },
    };
  }

  /** Reconciles the rooms of `page` with its latest render. */
  sync(page: PageInstance): void {
    let rooms = this.byPage.get(page);
    if (rooms === undefined) {
      rooms = new Map();
      this.byPage.set(page, rooms);
    }
    const seen = new Set<string>();
    for (const el of page.findAll('rtc-room')) {
      const id = el.id ?? '';
      seen.add(id);
      const existing = rooms.get(id);
      if (existing !== undefined) {
        existing.update(el.attrs);
        continue;
      }
      const room = new RtcRoom(id, el.attrs, this.roomHost());
      rooms.set(id, room);
      this.lastById.set(id, room);
      this.pageOf.set(room, page);
      this.host.events.emit('rtcRoomMounted', { id, room });
      room.startMedia();
    }
    for (const [id, room] of rooms) {
      if (!seen.has(id)) {
        rooms.delete(id);
        this.unmount(room);
      }
    }
  }

  private unmount(room: RtcRoom): void {
    this.track(room.unmount());
    this.host.events.emit('rtcRoomUnmounted', { id: room.id, room });
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** The page left the stack: its rooms go with it. */
  unmountPage(page: PageInstance): void {
    for (const room of this.byPage.get(page)?.values() ?? []) this.unmount(room);
    this.byPage.delete(page);
  }

  /** The mounted room with `id`, else the last room that had it. */
  get(id: string): RtcRoom | undefined {
    return this.lastById.get(id);
  }

  /** Every mounted room. */
  mounted(): RtcRoom[] {
    return [...this.byPage.values()].flatMap((m) => [...m.values()]);
  }

  /**
   * `my.createRtcRoomContext(id)`: the context looks its room up at call time, because apps create the
   * context in the same setData that mounts the component (the article's `handleShowRtcroom`).
   */
  context(id: string): Record<string, unknown> {
    const record = (method: RtcRoomContextCall['method'], args: unknown): RtcRoom | undefined => {
      const call = { roomId: id, method, args };
      this.host.contextCalls.push(call);
      this.host.events.emit('rtcRoomContext', call);
      return this.lastById.get(id);
    };
    return {
      stop: (o?: unknown) => {
        const room = record('stop', o);
        if (room !== undefined) this.track(room.stop());
      },
      enableCamera: (o?: { enable?: unknown }) => {
        const room = record('enableCamera', o);
        if (room !== undefined) room.cameraEnabled = Boolean(o?.enable);
      },
      mute: (o?: { muted?: unknown }) => {
        const room = record('mute', o);
        if (room !== undefined) room.muted = Boolean(o?.muted);
      },
    };
  }

  /** Network loss: every mounted room's media dies. */
  async suspendAll(): Promise<void> {
    await Promise.all(this.mounted().map((r) => r.suspendMedia()));
  }

  /** Network back: mounted rooms reconnect their push/pull. */
  resumeAll(): void {
    for (const r of this.mounted()) r.startMedia();
  }

  /** Instance shutdown: kills every media process and waits until they are gone. */
  async closeAll(): Promise<void> {
    for (const page of [...this.byPage.keys()]) {
      for (const room of this.byPage.get(page)?.values() ?? []) this.track(room.unmount());
    }
    this.byPage.clear();
    for (const room of this.lastById.values()) this.track(room.unmount());
    await Promise.all([...this.pending]);
  }
}

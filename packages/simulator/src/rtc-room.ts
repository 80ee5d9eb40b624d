import { FfmpegMedia, type MediaStats } from './ffmpeg-media.js';

/**
 * `onRtmpEvent` codes of Alipay's `<rtc-room>` as ZEGO's SDK reads them (repo docs/sdk-contract.md, § Publishing and playing): one table,
 * used for every event the emulated component raises.
 */
export const RtmpEventCode = {
  PUSH_SUCCEEDED: 3800,
  PUSH_FAILED: 3801,
  PLAY_SUCCEEDED: 3802,
  PLAY_FAILED: 3803,
} as const;

/** A call the app made on `my.createRtcRoomContext(id)`. */
export interface RtcRoomContextCall {
  roomId: string;
  method: 'stop' | 'enableCamera' | 'mute';
  args: unknown;
}

/** What an emulated `<rtc-room>` needs from its instance. */
export interface RtcRoomHost {
  /** Calls the page method bound to `eventAttr` (e.g. `onRtmpEvent`) on the current element of the room. */
  raise(room: RtcRoom, eventAttr: string, detail: Record<string, unknown>): void;
  online(): boolean;
  /** Media counters of the room changed. */
  progress(room: RtcRoom): void;
  /** A media process of the room ended (stopped, killed or failed). */
  exited(room: RtcRoom, role: 'push' | 'pull', code: number | null, signal: string | null): void;
  /** Push from this media file instead of the test pattern. */
  mediaFile?: string;
  ffmpegPath?: string;
}

/** Counters of a room's media, for tests to prove media flowed. */
export interface RtcRoomStats {
  push: MediaStats | undefined;
  pull: MediaStats | undefined;
  /** How many times each media process was (re)started; a network restore adds one. */
  pushStarts: number;
  pullStarts: number;
}

function snapshot<T>(v: T): T {
  // The render layer receives a serialized copy: later in-place mutation of page data by the app must not
  // reach a mounted component (the article notes extraInfo is read only at creation).
  try {
    return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
  } catch {
    return v;
  }
}

/**
 * An emulated `<rtc-room>`: reads `extraInfo.rtmpPushUrl` / `rtmpPullUrl` when mounted and runs ffmpeg to
 * push a test pattern or pull and decode, raising the device's event codes from what ffmpeg really does.
 */
export class RtcRoom {
  /** Attributes as last rendered (snapshot). */
  attrs: Record<string, unknown>;
  /** `extraInfo` as it was when the component was created; later changes have no effect, as on the device. */
  readonly extraInfo: Record<string, unknown>;
  /** Every `<rtc-room>` event raised, in order (`{ event: 'onRtmpEvent', detail: { code: 3800 } }`). */
  readonly raised: { event: string; detail: Record<string, unknown> }[] = [];
  /** Camera state: from the `enable-camera` attribute, then `enableCamera({ enable })` calls. */
  cameraEnabled: boolean;
  /** Microphone muted: from the `mute` attribute, then `mute({ muted })` calls. */
  muted: boolean;
  private push: FfmpegMedia | undefined;
  private pull: FfmpegMedia | undefined;
  private pushStarts = 0;
  private pullStarts = 0;
  private stopped = false;
  private mountedFlag = true;

  /** @param id the element `id`; @param attrs evaluated attributes at mount. */
  constructor(
    readonly id: string,
    attrs: Record<string, unknown>,
    private readonly host: RtcRoomHost,
  ) {
    this.attrs = snapshot(attrs);
    const extra = this.attrs['extraInfo'];
    this.extraInfo = typeof extra === 'object' && extra !== null ? (extra as Record<string, unknown>) : {};
    this.cameraEnabled = this.attrs['enable-camera'] !== false && this.attrs['enable-camera'] !== 'false';
    this.muted = this.attrs['mute'] === true || this.attrs['mute'] === 'true';
  }

  /** Whether the element is still in the rendered page. */
  get mounted(): boolean {
    return this.mountedFlag;
  }

  /** The push URL the component was created with, if any. */
  get pushUrl(): string | undefined {
    const u = this.extraInfo['rtmpPushUrl'];
    return typeof u === 'string' && u !== '' ? u : undefined;
  }

  /** The pull URL the component was created with, if any. */
  get pullUrl(): string | undefined {
    const u = this.extraInfo['rtmpPullUrl'];
    return typeof u === 'string' && u !== '' ? u : undefined;
  }

  /** Live media counters. */
  get stats(): RtcRoomStats {
    return {
      push: this.push?.stats,
      pull: this.pull?.stats,
      pushStarts: this.pushStarts,
      pullStarts: this.pullStarts,
    };
  }

  /** Process ids of the running push / pull ffmpeg, for diagnostics. */
  get pids(): { push: number | undefined; pull: number | undefined } {
    return { push: this.push?.pid, pull: this.pull?.pid };
  }

  /** Whether a push / pull ffmpeg process is running now. */
  get running(): { push: boolean; pull: boolean } {
    return { push: this.push?.running ?? false, pull: this.pull?.running ?? false };
  }

  /** Starts whatever media `extraInfo` asks for and is not running; a no-op offline or after `stop()`. */
  startMedia(): void {
    if (this.stopped || !this.mountedFlag || !this.host.online()) return;
    const push = this.pushUrl;
    if (push !== undefined) {
      this.push ??= this.media('push', push);
      if (!this.push.running) {
        this.pushStarts++;
        this.push.start();
      }
    }
    const pull = this.pullUrl;
    if (pull !== undefined) {
      this.pull ??= this.media('pull', pull);
      if (!this.pull.running) {
        this.pullStarts++;
        this.pull.start();
      }
    }
  }

  private media(role: 'push' | 'pull', url: string): FfmpegMedia {
    const m = new FfmpegMedia({ role, url, file: this.host.mediaFile, ffmpegPath: this.host.ffmpegPath });
    const ok = role === 'push' ? RtmpEventCode.PUSH_SUCCEEDED : RtmpEventCode.PLAY_SUCCEEDED;
    const bad = role === 'push' ? RtmpEventCode.PUSH_FAILED : RtmpEventCode.PLAY_FAILED;
    m.on('started', () => this.fire('onRtmpEvent', { code: ok, message: `${role} started` }));
    m.on('progress', () => this.host.progress(this));
    m.on('exit', (x) => this.host.exited(this, role, x.code, x.signal));
    m.on('firstVideoFrame', () => this.fire('onFirstRender', {}));
    m.on('failed', (f) => {
      // A pull that was showing video stops rendering before it reports the failure.
      if (role === 'pull' && f.started) this.fire('onRenderStop', {});
      const why = f.stderr.split('\n').pop() || `ffmpeg exited with ${f.code ?? f.signal}`;
      this.fire('onRtmpEvent', { code: bad, message: `${role} failed: ${why}` });
    });
    return m;
  }

  private fire(event: string, detail: Record<string, unknown>): void {
    if (!this.mountedFlag) return;
    this.raised.push({ event, detail });
    this.host.raise(this, event, detail);
  }

  /** Records a render of the same element; only camera/mute follow attribute changes, as on the device. */
  update(attrs: Record<string, unknown>): void {
    this.attrs = snapshot(attrs);
    if ('enable-camera' in attrs) this.cameraEnabled = attrs['enable-camera'] !== false;
    if ('mute' in attrs) this.muted = attrs['mute'] === true;
  }

  /**
   * Kills media but keeps the component: network loss, so the processes die abruptly (no RTMP
   * unpublish reaches the server, as when a phone loses its network). `startMedia()` resumes.
   */
  async suspendMedia(): Promise<void> {
    await Promise.all([this.push?.stop({ abrupt: true }), this.pull?.stop({ abrupt: true })]);
  }

  /** `RtcRoomContext.stop()`: ends media for good on this component, closing RTMP sessions properly. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([this.push?.stop(), this.pull?.stop()]);
  }

  /** The element left the page: media ends and no more events are raised. */
  async unmount(): Promise<void> {
    this.mountedFlag = false;
    await this.stop();
  }
}

import { h } from '../dom.js';

/** The part of mpegts.js the preview uses (its bundled typings describe a CommonJS default export). */
interface FlvPlayer {
  on(event: string, listener: (type: string, detail: string) => void): void;
  attachMediaElement(el: HTMLMediaElement): void;
  detachMediaElement(): void;
  load(): void;
  unload(): void;
  play(): Promise<void> | undefined;
  pause(): void;
  destroy(): void;
}
interface MpegtsModule {
  isSupported(): boolean;
  createPlayer(source: Record<string, unknown>, config?: Record<string, unknown>): FlvPlayer;
  Events: { ERROR: string };
}

let loading: Promise<MpegtsModule> | undefined;

/** mpegts.js is loaded on first use so the rest of the console stays small. */
function loadMpegts(): Promise<MpegtsModule> {
  loading ??= import('mpegts.js').then((m: unknown) => {
    // A UMD bundle: depending on the interop the API sits on `default` or on `default.default`.
    const d = (m as { default: MpegtsModule & { default?: MpegtsModule } }).default;
    return d.default ?? d;
  });
  return loading;
}

/**
 * A muted live preview of one stream over HTTP-FLV (mpegts.js on Media Source Extensions). The signed
 * preview URL is short-lived, so the owner hands in fresh URLs with {@link update}; the player is only
 * rebuilt when it has failed, not on every refresh.
 */
export class FlvPreview {
  /** The tile: the `<video>` and a status line. */
  readonly el: HTMLElement;
  readonly video: HTMLVideoElement;
  readonly #status: HTMLElement;
  #player: FlvPlayer | undefined;
  #failed = false;
  #url = '';
  #destroyed = false;

  /** A preview for `streamID` (nothing plays until {@link update} gives a URL). */
  constructor(readonly streamID: string) {
    this.video = h('video', { muted: true, autoplay: true, playsinline: true, 'data-stream': streamID });
    this.video.muted = true;
    this.#status = h('span', { class: 'preview-status' }, 'waiting for a preview URL');
    this.el = h('div', { class: 'preview' }, this.video, this.#status);
    this.video.addEventListener('playing', () => this.#setStatus('playing'));
    this.video.addEventListener('waiting', () => this.#setStatus('buffering'));
  }

  /** Gives the latest signed URL; starts the player, or restarts it if it failed. */
  update(url: string | undefined): void {
    if (!url || this.#destroyed) return;
    this.#url = url;
    if (this.#player && !this.#failed) return;
    void this.#start();
  }

  /** Stops playback and releases the player. */
  destroy(): void {
    this.#destroyed = true;
    this.#stop();
    this.el.remove();
  }

  async #start(): Promise<void> {
    this.#stop();
    this.#failed = false;
    const mpegts = await loadMpegts();
    if (this.#destroyed) return;
    if (!mpegts.isSupported()) {
      this.#setStatus('this browser cannot play HTTP-FLV (no Media Source Extensions)');
      return;
    }
    const player = mpegts.createPlayer(
      // No hasAudio/hasVideo: forcing both made audio-only and video-only streams wait forever for the
      // missing track; the gateway's FLV header names the tracks the stream really carries.
      { type: 'flv', isLive: true, url: this.#url },
      { enableWorker: false, lazyLoad: false, liveBufferLatencyChasing: true, enableStashBuffer: false },
    );
    this.#player = player;
    player.on(mpegts.Events.ERROR, (type: string, detail: string) => {
      this.#failed = true;
      this.#setStatus(`preview error: ${type} ${detail} (retrying)`);
    });
    player.attachMediaElement(this.video);
    player.load();
    this.#setStatus('connecting');
    try {
      await player.play();
    } catch (err) {
      this.#setStatus(`cannot play: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  #stop(): void {
    const p = this.#player;
    this.#player = undefined;
    if (!p) return;
    try {
      p.pause();
      p.unload();
      p.detachMediaElement();
      p.destroy();
    } catch {
      // A half-initialized player may throw on teardown; it is being dropped anyway.
    }
  }

  #setStatus(text: string): void {
    this.#status.textContent = text;
    this.el.dataset.state = text.split(' ')[0] ?? '';
  }
}

/**
 * What the engine needs from its runtime. The engine core talks only to this interface, so the same
 * code runs on Alipay (`my.*`), in browsers and in Node; tests can substitute a fake clock and socket.
 */

/** An open (or opening) WebSocket, reduced to what the engine uses. */
export interface PlatformSocket {
  /** Sends one text frame. */
  send(data: string): void;
  /** Closes the socket; the close callback still fires. */
  close(code?: number, reason?: string): void;
  /** Registers the open callback (one per socket). */
  onOpen(cb: () => void): void;
  /** Registers the text message callback. */
  onMessage(cb: (data: string) => void): void;
  /** Registers the close callback; fires once, also after `close()` and after a failed connect. */
  onClose(cb: (code: number, reason: string) => void): void;
  /** Registers the error callback (a close always follows). */
  onError(cb: (err: unknown) => void): void;
}

/** Options of an HTTP request. */
export interface PlatformRequest {
  url: string;
  method: 'GET' | 'POST';
  /** JSON-serialisable body for POST. */
  data?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** Result of an HTTP request. */
export interface PlatformResponse {
  status: number;
  data: unknown;
}

/** Opaque timer handle. */
export type TimerHandle = unknown;

/** The runtime adapter. */
export interface Platform {
  /** `alipay`, `browser`, `node` or a test name; sent to the server for diagnostics. */
  readonly name: string;
  /** Opens a WebSocket to `url`. Never throws: failures arrive as error + close. */
  connect(url: string): PlatformSocket;
  /** One HTTP request (used by the remote logger). */
  request(opts: PlatformRequest): Promise<PlatformResponse>;
  /** Calls `cb(online)` when the device's network comes or goes; returns an unsubscribe function. */
  onNetworkChange(cb: (online: boolean) => void): () => void;
  /** Device and runtime facts for logs (model, OS, base library version …). */
  systemInfo(): Record<string, unknown>;
  /** `checkSystemRequirements`: code 0 when the runtime can do real-time media. */
  checkRequirements(): Promise<{ code: number; [k: string]: unknown }>;
  /** Milliseconds since the epoch. */
  now(): number;
  /** Uniform random number in [0, 1) (backoff jitter). */
  random(): number;
  setTimeout(cb: () => void, ms: number): TimerHandle;
  clearTimeout(h: TimerHandle): void;
}

/** A function that returns a platform if its runtime is present, else undefined. */
export type PlatformDetector = () => Platform | undefined;

const detectors: PlatformDetector[] = [];

/**
 * Registers a detector. The entry points register theirs (the mini-program bundle only Alipay and
 * browser, so no Node code is bundled); the engine never imports an adapter itself.
 */
export function registerPlatform(detector: PlatformDetector): void {
  if (detectors.indexOf(detector) < 0) detectors.push(detector);
}

/** The first registered platform whose runtime is present. */
export function detectPlatform(): Platform | undefined {
  for (const d of detectors) {
    const p = d();
    if (p) return p;
  }
  return undefined;
}

/** Timers and clock from the global scope; shared by the adapters. */
export const globalTimers: Pick<Platform, 'now' | 'random' | 'setTimeout' | 'clearTimeout'> = {
  now: () => Date.now(),
  random: () => Math.random(),
  setTimeout: (cb, ms) => setTimeout(cb, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

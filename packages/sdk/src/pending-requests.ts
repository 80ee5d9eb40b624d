import { ErrorCode, MiniRtcError } from '@minirtc/protocol/lite';
import type { Platform, TimerHandle } from './platform.js';

interface Pending {
  resolve: (data: unknown) => void;
  reject: (err: MiniRtcError) => void;
  timer: TimerHandle;
  onData?: ((data: unknown) => void) | undefined;
}

/** A reply as the server sends it (`res`, or an `error` frame naming the request). */
export interface Reply {
  reqId: number;
  code?: unknown;
  message?: unknown;
  data?: unknown;
}

/**
 * Requests waiting for their reply, by `reqId`: each settles exactly once, by its reply, its timeout
 * or the link going away.
 */
export class PendingRequests {
  private readonly table = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly timers: Pick<Platform, 'setTimeout' | 'clearTimeout'>) {}

  /**
   * Registers a request and returns its `reqId` and the promise of its reply data. `onData` runs
   * synchronously inside {@link settle}, before the caller's continuation (and any later frame).
   */
  add<T>(type: string, timeoutMs: number, onData?: (data: T) => void): { reqId: number; reply: Promise<T> } {
    const reqId = this.nextId++;
    if (this.nextId > 2 ** 31) this.nextId = 1;
    const reply = new Promise<T>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.table.delete(reqId);
        reject(new MiniRtcError(ErrorCode.NETWORK_TIMEOUT, `${type} timed out`));
      }, timeoutMs);
      this.table.set(reqId, {
        resolve: resolve as (d: unknown) => void,
        reject,
        timer,
        onData: onData as ((d: unknown) => void) | undefined,
      });
    });
    return { reqId, reply };
  }

  /** Settles the request a reply names (code 0 resolves with `data`, else rejects with the code). */
  settle(r: Reply): void {
    const p = this.table.get(r.reqId);
    if (!p) return; // late reply to a request that already timed out
    this.table.delete(r.reqId);
    this.timers.clearTimeout(p.timer);
    const code = typeof r.code === 'number' ? r.code : ErrorCode.INTERNAL_ERROR;
    if (code !== 0) {
      p.reject(new MiniRtcError(code, typeof r.message === 'string' ? r.message : undefined));
      return;
    }
    try {
      p.onData?.(r.data);
    } catch (err) {
      p.reject(err instanceof MiniRtcError ? err : new MiniRtcError(ErrorCode.ROOM_INNER_ERROR, String(err)));
      return;
    }
    p.resolve(r.data);
  }

  /** Rejects everything still waiting (the socket closed). */
  failAll(err: MiniRtcError): void {
    for (const [id, p] of this.table) {
      this.timers.clearTimeout(p.timer);
      this.table.delete(id);
      p.reject(err);
    }
  }
}

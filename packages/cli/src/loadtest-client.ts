import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';

/** What a load user reports to the run: every push it receives, with its arrival time. */
export type PushSink = (push: { type: string; [k: string]: unknown }, at: number) => void;

/** Where and as whom one simulated user logs in. */
export interface LoadUserSpec {
  url: string;
  appID: number;
  roomID: string;
  userID: string;
  token: string;
  userUpdate: boolean;
}

interface Pending {
  resolve(data: unknown): void;
  reject(e: Error): void;
}

/**
 * One simulated user of `minirtc loadtest`: a bare WebSocket speaking the signaling protocol (no SDK,
 * so the client side stays cheap enough to load a server from the same machine). It logs in, answers
 * the heartbeat with pings that acknowledge its pushes, and can send broadcasts.
 */
export class LoadUser {
  #ws: WebSocket | null = null;
  #reqId = 0;
  #lastSeq = 0;
  #pending = new Map<number, Pending>();
  #ping: NodeJS.Timeout | null = null;
  /** Pushes received (every `seq`-carrying message). */
  pushes = 0;
  /** Set once the login reply came back with code 0. */
  loggedIn = false;

  constructor(
    readonly spec: LoadUserSpec,
    private readonly onPush: PushSink,
  ) {}

  /** Opens the socket and logs in; resolves with the time from opening to the login reply (ms). */
  login(): Promise<number> {
    const t0 = performance.now();
    const ws = new WebSocket(this.spec.url, { perMessageDeflate: false });
    this.#ws = ws;
    ws.on('message', (data) => this.#onFrame(String(data)));
    ws.on('close', () => this.#failAll(new Error('socket closed')));
    ws.on('error', (e) => this.#failAll(e));
    return new Promise<number>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('open', () => {
        const { appID, roomID, userID, token, userUpdate } = this.spec;
        this.#request({ type: 'login', appID, roomID, token, user: { userID }, config: { userUpdate } }).then(
          (data) => {
            const ms = (data as { heartbeatMs?: number }).heartbeatMs ?? 10_000;
            // Staggered so thousands of users do not ping in the same tick.
            const first = Math.random() * ms;
            this.#ping = setTimeout(() => this.#heartbeat(ms), first);
            this.#ping.unref();
            this.loggedIn = true;
            resolve(performance.now() - t0);
          },
          reject,
        );
      });
    });
  }

  /** Asks to publish `streamID` in the room; resolves with the signed RTMP push URL. */
  async publish(streamID: string): Promise<string> {
    const data = (await this.#request({ type: 'publish', roomID: this.spec.roomID, streamID })) as {
      url: string;
    };
    return data.url;
  }

  /** Sends a broadcast to the room; resolves when the server accepted it. */
  broadcast(message: string): Promise<unknown> {
    return this.#request({ type: 'broadcast', roomID: this.spec.roomID, message });
  }

  /** A `ping` request (acknowledging the pushes so far); resolves when the server answered it. */
  ping(): Promise<unknown> {
    return this.#request({ type: 'ping', lastSeq: this.#lastSeq });
  }

  /** Closes the socket (no logout: a dropped client, so nothing is sent to the room per user). */
  close(): void {
    if (this.#ping) clearTimeout(this.#ping);
    this.#ping = null;
    this.#ws?.terminate();
  }

  #heartbeat(ms: number): void {
    this.#send({ type: 'ping', lastSeq: this.#lastSeq });
    this.#ping = setTimeout(() => this.#heartbeat(ms), ms);
    this.#ping.unref();
  }

  #send(msg: Record<string, unknown>): void {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(msg));
  }

  #request(msg: Record<string, unknown>): Promise<unknown> {
    const reqId = ++this.#reqId;
    return new Promise((resolve, reject) => {
      this.#pending.set(reqId, { resolve, reject });
      this.#send({ ...msg, reqId });
    });
  }

  #failAll(e: Error): void {
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
  }

  #onFrame(text: string): void {
    const at = performance.now();
    let msg: { type?: string; reqId?: number; code?: number; message?: string; data?: unknown; seq?: number };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg.type === 'res' && typeof msg.reqId === 'number') {
      const p = this.#pending.get(msg.reqId);
      this.#pending.delete(msg.reqId);
      if (!p) return;
      if (msg.code === 0) p.resolve(msg.data ?? {});
      else p.reject(new Error(`error ${msg.code}: ${msg.message ?? ''}`));
      return;
    }
    if (typeof msg.seq === 'number') {
      this.#lastSeq = msg.seq;
      this.pushes += 1;
      this.onPush(msg as { type: string }, at);
    }
  }
}

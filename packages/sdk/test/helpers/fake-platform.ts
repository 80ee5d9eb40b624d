import type { Platform, PlatformSocket } from '../../src/platform.js';

/** Lets pending promise callbacks run (several rounds: chains of awaits). */
export async function flush(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** A socket the test drives from the "server" side. */
export class FakeSocket implements PlatformSocket {
  readonly sent: Record<string, unknown>[] = [];
  closed = false;
  closeCode: number | undefined;
  private cbOpen: () => void = () => {};
  private cbMessage: (d: string) => void = () => {};
  private cbClose: (code: number, reason: string) => void = () => {};
  onSend: (msg: Record<string, unknown>) => void = () => {};

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.closed) throw new Error('send on closed socket');
    const msg = JSON.parse(data) as Record<string, unknown>;
    this.sent.push(msg);
    this.onSend(msg);
  }
  close(code?: number): void {
    this.serverClose(code ?? 1000);
  }
  onOpen(cb: () => void): void {
    this.cbOpen = cb;
  }
  onMessage(cb: (d: string) => void): void {
    this.cbMessage = cb;
  }
  onClose(cb: (code: number, reason: string) => void): void {
    this.cbClose = cb;
  }
  onError(): void {}

  /** Server side: accept the connection. */
  open(): void {
    this.cbOpen();
  }
  /** Server side: send a frame (object → JSON, string as is). */
  receive(msg: unknown): void {
    if (!this.closed) this.cbMessage(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }
  /** Server side (or network): the socket is gone. */
  serverClose(code = 1006, reason = ''): void {
    if (this.closed) return;
    this.closed = true;
    this.closeCode = code;
    this.cbClose(code, reason);
  }
  /** Messages of a type the client sent. */
  sentOf(type: string): Record<string, unknown>[] {
    return this.sent.filter((m) => m.type === type);
  }
}

interface Timer {
  id: number;
  at: number;
  cb: () => void;
}

/** A platform with a manual clock and fake sockets. */
export class FakePlatform implements Platform {
  readonly name = 'fake';
  time = 1_000_000;
  private timers: Timer[] = [];
  private nextId = 1;
  readonly sockets: FakeSocket[] = [];
  readonly requests: { url: string; data: unknown }[] = [];
  requestStatus = 200;
  private netCbs: ((online: boolean) => void)[] = [];
  /** Called for every new socket (the scripted server attaches here). */
  onConnect: (s: FakeSocket) => void = () => {};
  rand = 0.5;

  connect(url: string): PlatformSocket {
    const s = new FakeSocket(url);
    this.sockets.push(s);
    this.onConnect(s);
    return s;
  }
  async request(opts: { url: string; data?: unknown }) {
    this.requests.push({ url: opts.url, data: opts.data });
    if (this.requestStatus === 0) throw new Error('unreachable');
    return { status: this.requestStatus, data: '' };
  }
  onNetworkChange(cb: (online: boolean) => void) {
    this.netCbs.push(cb);
    return () => {
      this.netCbs = this.netCbs.filter((c) => c !== cb);
    };
  }
  setNetwork(online: boolean): void {
    for (const cb of this.netCbs.slice()) cb(online);
  }
  systemInfo() {
    return { runtime: 'fake' };
  }
  async checkRequirements() {
    return { code: 0 };
  }
  now(): number {
    return this.time;
  }
  random = (): number => this.rand;
  setTimeout(cb: () => void, ms: number): unknown {
    const t = { id: this.nextId++, at: this.time + Math.max(0, ms), cb };
    this.timers.push(t);
    return t.id;
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== h);
  }
  /** Pending timers (tests assert nothing is left running). */
  get pendingTimers(): number {
    return this.timers.length;
  }
  /** Advances the clock, firing due timers in order and letting promises settle between them. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await flush();
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const t = this.timers[0];
      if (!t || t.at > end) break;
      this.timers.shift();
      this.time = Math.max(this.time, t.at);
      t.cb();
      await flush();
    }
    this.time = end;
    await flush();
  }
  /** The latest socket. */
  get last(): FakeSocket {
    const s = this.sockets[this.sockets.length - 1];
    if (!s) throw new Error('no socket yet');
    return s;
  }
}

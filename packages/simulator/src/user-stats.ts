import type { RtcRoom } from './rtc-room.js';
import type { Simulator } from './simulator.js';

/** What one simulated user saw, for the end-of-run summary. */
export interface UserSummary {
  name: string;
  userID: string;
  /** Every step passed and every expectation held (and no app error, unless allowed). */
  passed: boolean;
  /** `onRtmpEvent` codes raised by the user's `<rtc-room>`s, with how often. */
  codes: Record<string, number>;
  /** Video frames decoded by the user's pulls, in total. */
  frames: number;
  /**
   * Decoded video frames per second: from one second after the first decoded frame (past the GOP-cache
   * burst) to the last, or over all frames when decoding lasted under two seconds; 0 with under 2 frames.
   */
  fps: number;
  /** Milliseconds from the app's start to the first decoded video frame (`onFirstRender`), if any. */
  firstFrameMs: number | undefined;
  /** App errors (uncaught in callbacks, rejected promises, failed navigation). */
  appErrors: string[];
  /** Device network rules the app broke (refused with `--device-rules`, else only warned about). */
  networkRules: string[];
  /** The step or expectation that failed, with the page's visible text when it helps. */
  failures: string[];
  /** Steps that ran to completion, of how many. */
  stepsDone: number;
  stepsTotal: number;
}

/**
 * Counts what a user's phone did while it ran: rtc-room codes, decoded frames and when they came, app
 * errors. Attached right after the instance is loaded; reads live counters, so it adds no work per frame.
 */
export class UserStats {
  /** Codes in the order raised (scenario `wait: { code }` walks it with a cursor). */
  readonly codeLog: number[] = [];
  /** SDK events in the order emitted (scenario `wait: { sdkEvent }` walks it with a cursor). */
  readonly sdkLog: { name: string; args: unknown[] }[] = [];
  private readonly rooms = new Set<RtcRoom>();
  private readonly rules: string[] = [];
  private firstFrameAt: number | undefined;
  private firstDecodedAt: number | undefined;
  private lastDecodedAt: number | undefined;
  private framesAtFirst = 0;
  private lastFrames = 0;
  // A sample one second into decoding: the gateway's GOP cache delivers its frames at once when a pull
  // starts, so the rate is taken after that burst when the run is long enough.
  private settledAt: number | undefined;
  private framesAtSettled = 0;
  private readonly offs: (() => void)[] = [];

  /** @param sim the user's instance; @param startedAt when its load began (ms since epoch). */
  constructor(
    readonly sim: Simulator,
    private readonly startedAt: number,
  ) {
    const ev = sim.events;
    for (const r of sim.rtcRooms) this.rooms.add(r);
    this.offs.push(
      ev.on('rtcRoomMounted', (e) => this.rooms.add(e.room)),
      ev.on('rtmpEvent', (e) => this.codeLog.push(e.code)),
      ev.on('sdkEvent', (e) => this.sdkLog.push(e)),
      ev.on('warning', (e) => this.rules.push(e.text)),
      ev.on('firstRender', () => {
        this.firstFrameAt ??= Date.now();
      }),
      ev.on('mediaProgress', () => {
        const f = this.frames;
        if (f === this.lastFrames) return;
        const now = Date.now();
        if (this.firstDecodedAt === undefined) {
          this.firstDecodedAt = now;
          this.framesAtFirst = f;
        }
        if (this.settledAt === undefined && now - this.firstDecodedAt >= 1000) {
          this.settledAt = now;
          this.framesAtSettled = f;
        }
        this.lastDecodedAt = now;
        this.lastFrames = f;
      }),
    );
  }

  /** Video frames decoded so far by every pull the user ever had. */
  get frames(): number {
    let n = 0;
    for (const r of this.rooms) n += r.stats.pull?.videoFrames ?? 0;
    return n;
  }

  /** Stops listening. */
  detach(): void {
    for (const off of this.offs) off();
  }

  /** The summary so far; `failures` and step counts come from the scenario runner. */
  summary(
    name: string,
    userID: string,
    extra: { failures: string[]; stepsDone: number; stepsTotal: number; allowAppErrors: boolean },
  ): UserSummary {
    const codes: Record<string, number> = {};
    for (const c of this.codeLog) codes[c] = (codes[c] ?? 0) + 1;
    const last = this.lastDecodedAt ?? 0;
    const settledSpan = this.settledAt === undefined ? 0 : last - this.settledAt;
    const span = last - (this.firstDecodedAt ?? 0);
    const fps =
      settledSpan >= 1000
        ? ((this.lastFrames - this.framesAtSettled) * 1000) / settledSpan
        : span > 0
          ? ((this.lastFrames - this.framesAtFirst) * 1000) / span
          : 0;
    const appErrors = this.sim.errors.map(
      (e) => `${e.where}: ${e.error instanceof Error ? e.error.message : String(e.error)}`,
    );
    return {
      name,
      userID,
      passed: extra.failures.length === 0 && (extra.allowAppErrors || appErrors.length === 0),
      codes,
      frames: this.frames,
      fps: Math.round(fps * 10) / 10,
      firstFrameMs: this.firstFrameAt === undefined ? undefined : this.firstFrameAt - this.startedAt,
      appErrors,
      networkRules: [...this.rules],
      failures: extra.failures,
      stepsDone: extra.stepsDone,
      stepsTotal: extra.stepsTotal,
    };
  }
}

/** The summary as a table and the failures under it, as `minirtc simulate` prints it. */
export function formatSummary(users: UserSummary[], header: string): string[] {
  const rows = users.map((u) => [
    u.name,
    u.passed ? 'PASS' : 'FAIL',
    `${u.stepsDone}/${u.stepsTotal}`,
    Object.entries(u.codes)
      .map(([c, n]) => (n > 1 ? `${c}×${n}` : c))
      .join(' ') || '-',
    String(u.frames),
    u.frames > 1 ? u.fps.toFixed(1) : '-',
    u.firstFrameMs === undefined ? '-' : `${(u.firstFrameMs / 1000).toFixed(2)} s`,
    String(u.appErrors.length),
  ]);
  const head = ['user', 'result', 'steps', 'codes', 'frames', 'fps', 'first frame', 'errors'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [header, line(head), ...rows.map(line)];
  for (const u of users) {
    for (const f of u.failures) out.push(`${u.name}: FAILED ${f}`);
    for (const e of u.appErrors) out.push(`${u.name}: app error ${e}`);
    if (!u.passed) for (const r of u.networkRules) out.push(`${u.name}: network rule: ${r}`);
  }
  return out;
}

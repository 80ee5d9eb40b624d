import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import type { ServerEvents } from '../events.js';
import type { Logger } from '../logger.js';
import type { Signaling } from '../core/signaling.js';
import type { StreamReservation } from '../core/stream-registry.js';
import { type MixOutputSpec, type Rect, gridLayout, mixArgs } from './mix-layout.js';
import { MIX_USER_ID, SERVICE_SESSION_PREFIX } from './service-grant.js';

/** One input of a mix: a stream of the room and its tile (absent: automatic grid). */
export interface MixInputSpec {
  streamID: string;
  rect?: Rect;
}

/** What a caller asks for. */
export interface MixRequest extends MixOutputSpec {
  taskID: string;
  roomID?: string;
  inputs: MixInputSpec[];
  outputStreamID: string;
}

/** A running (or waiting) mix task as the API shows it. */
export interface MixTaskView extends MixOutputSpec {
  taskID: string;
  appID: number;
  roomID: string;
  outputStreamID: string;
  inputs: { streamID: string; rect: Rect; live: boolean }[];
  /** `running` while an ffmpeg is up, `waiting` while no input is live, `stopped` after stop. */
  state: 'running' | 'waiting' | 'stopped';
  /** Times the ffmpeg was (re)started. */
  starts: number;
  /** CPU time the task's ffmpegs used, seconds. */
  cpuSeconds: number;
  createdAt: number;
}

/** Settings of the mixer. */
export interface MixingOptions {
  ffmpegPath?: string;
  /** Group calls: rooms with these ID prefixes get one mix per member of the others (`mix_<userID>`). */
  groupRoomPrefixes?: string[];
  /** Most tasks at once (each is one ffmpeg encoding video); default 8. */
  maxTasks?: number;
}

/** What the mixer needs from the server. */
export interface MixHost {
  events: EventEmitter<ServerEvents>;
  core: Signaling;
  log: Logger;
  /** A signed pull URL for an input. */
  pullUrl(appID: number, roomID: string, streamID: string): string;
  /** A signed push URL for the output under the task's service session. */
  pushUrl(appID: number, roomID: string, streamID: string, sessionID: string): string;
}

/** Events of {@link MixService}. */
export interface MixEvents {
  /** An ffmpeg was started for a task (`inputs`: how many live inputs it pulls). */
  spawned: [taskID: string, inputs: number];
  /** A task's ffmpeg exited (it is restarted unless the task stopped). */
  exited: [taskID: string, code: number | null, stderrTail: string];
}

interface Task {
  appID: number;
  view: MixTaskView;
  sessionID: string;
  proc: ChildProcess | null;
  /** Input streamIDs the running process pulls. */
  pulling: Set<string>;
  restartTimer: NodeJS.Timeout | null;
  backoffMs: number;
  startedAt: number;
  cpuBase: number;
  cpuLast: number;
}

const TICK = (() => {
  // Linux reports process times in clock ticks; 100 per second everywhere Node runs in practice.
  return 100;
})();

function cpuOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return null;
  }
}

/**
 * Stream mixing on ffmpeg: one process per task pulls the live inputs from our gateway, lays them out
 * on a canvas, mixes their audio and pushes the result back through a signed push URL under a server
 * reservation, so the output is an ordinary stream of the room (listed once media flows). A process
 * that dies is restarted with backoff; an input that goes live later restarts it to include the input.
 */
export class MixService extends EventEmitter<MixEvents> {
  readonly #tasks = new Map<string, Task>();
  readonly #ffmpeg: string;
  readonly #max: number;
  #cpuTimer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(
    private readonly host: MixHost,
    opts: MixingOptions = {},
  ) {
    super();
    this.#ffmpeg = opts.ffmpegPath ?? 'ffmpeg';
    this.#max = opts.maxTasks ?? 8;
    host.events.on('streamLive', (e) => this.#onInputLive(e.appID, e.roomID, e.streamID));
    // The gateway ended the process's read of a stream whose media stopped: its tile is black until it
    // is live again, when the process is replaced to pull it anew.
    host.events.on('streamGone', (e) => {
      for (const t of this.#tasks.values()) if (t.appID === e.appID) t.pulling.delete(e.streamID);
    });
    // A publisher back within the gateway's takeover grace never left the room's list (no streamLive),
    // but the mix's read of it timed out: take it in again.
    host.events.on('media', (e) => {
      if (e.kind !== 'publishStart' || !host.core.streams.get(e.appID, e.streamID)?.live) return;
      for (const t of this.#tasks.values()) {
        if (t.appID === e.appID && t.view.inputs.some((i) => i.streamID === e.streamID)) this.#restart(t);
      }
    });
    host.events.on('roomClosed', (e) => {
      for (const [id, t] of this.#tasks)
        if (t.appID === e.appID && t.view.roomID === e.roomID) this.stop(e.appID, id);
    });
  }

  /** Tasks running or waiting (for `/metrics`). */
  get activeCount(): number {
    return this.#tasks.size;
  }

  /** CPU seconds per task (for `/metrics`). */
  cpu(): { taskID: string; appID: number; seconds: number }[] {
    return [...this.#tasks.values()].map((t) => ({
      taskID: t.view.taskID,
      appID: t.appID,
      seconds: t.view.cpuSeconds,
    }));
  }

  /** Tasks of an app. */
  list(appID: number): MixTaskView[] {
    return [...this.#tasks.values()].filter((t) => t.appID === appID).map((t) => this.#view(t));
  }

  /** One task. */
  get(appID: number, taskID: string): MixTaskView {
    const t = this.#tasks.get(`${appID}/${taskID}`);
    if (!t) throw new MiniRtcError(ErrorCode.API_NOT_FOUND, 'no such mix task');
    return this.#view(t);
  }

  /**
   * Starts a task, or updates it when `taskID` runs already (ZEGO's StartMix semantics). The room is
   * the inputs' room (or `roomID`); the output streamID must be free in the app.
   */
  start(appID: number, req: MixRequest): MixTaskView {
    if (this.#closed) throw new MiniRtcError(ErrorCode.INTERNAL_ERROR, 'mixer is closed');
    if (req.inputs.length === 0 || req.inputs.length > 16) {
      throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'a mix takes 1 to 16 inputs');
    }
    if (req.inputs.some((i) => i.streamID === req.outputStreamID)) {
      throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'the output cannot be one of the inputs');
    }
    const core = this.host.core;
    const roomID =
      req.roomID ??
      req.inputs.map((i) => core.streams.get(appID, i.streamID)?.roomID).find((r) => r !== undefined);
    if (!roomID)
      throw new MiniRtcError(ErrorCode.STREAM_NOT_FOUND, 'no input stream is published; name roomID');
    const room = core.rooms.get(appID, roomID);
    if (!room) throw new MiniRtcError(ErrorCode.ROOM_NOT_EXIST, 'the room does not exist');
    const grid = gridLayout(req.inputs.length, req.width, req.height);
    const inputs = req.inputs.map((i, k) => ({
      streamID: i.streamID,
      rect: i.rect ?? (grid[k] as Rect),
      live: false,
    }));
    for (const i of inputs) {
      const r = i.rect;
      if (
        r.left < 0 ||
        r.top < 0 ||
        r.right > req.width ||
        r.bottom > req.height ||
        r.right - r.left < 2 ||
        r.bottom - r.top < 2
      ) {
        throw new MiniRtcError(ErrorCode.INVALID_PARAM, `the tile of ${i.streamID} is outside the output`);
      }
    }
    const key = `${appID}/${req.taskID}`;
    const existing = this.#tasks.get(key);
    if (existing) {
      if (existing.view.outputStreamID !== req.outputStreamID || existing.view.roomID !== roomID) {
        throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'an update cannot change the output stream or room');
      }
      Object.assign(existing.view, {
        inputs,
        width: req.width,
        height: req.height,
        fps: req.fps,
        videoBitrate: req.videoBitrate,
      });
      this.#restart(existing);
      return this.#view(existing);
    }
    if (this.#tasks.size >= this.#max) throw new MiniRtcError(ErrorCode.RATE_LIMITED, 'too many mix tasks');
    if (core.streams.get(appID, req.outputStreamID)) throw new MiniRtcError(ErrorCode.STREAM_ID_TAKEN);
    const sessionID = `${SERVICE_SESSION_PREFIX}mix.${req.taskID}`;
    const reservation: StreamReservation = {
      appID,
      streamID: req.outputStreamID,
      roomID,
      userID: MIX_USER_ID,
      userName: 'mix',
      sessionID,
      extraInfo: JSON.stringify({ mix: req.taskID }),
      live: false,
      reservedAt: Date.now(),
    };
    core.reserveServiceStream(reservation);
    const task: Task = {
      appID,
      sessionID,
      proc: null,
      pulling: new Set(),
      restartTimer: null,
      backoffMs: 500,
      startedAt: 0,
      cpuBase: 0,
      cpuLast: 0,
      view: {
        taskID: req.taskID,
        appID,
        roomID,
        outputStreamID: req.outputStreamID,
        inputs,
        width: req.width,
        height: req.height,
        fps: req.fps,
        videoBitrate: req.videoBitrate,
        state: 'waiting',
        starts: 0,
        cpuSeconds: 0,
        createdAt: Date.now(),
      },
    };
    this.#tasks.set(key, task);
    this.#cpuTimer ??= setInterval(() => this.#sampleCpu(), 1000);
    this.#cpuTimer.unref();
    this.#spawn(task);
    return this.#view(task);
  }

  /** Stops a task: its ffmpeg ends and the output stream leaves the room. */
  stop(appID: number, taskID: string): MixTaskView {
    const key = `${appID}/${taskID}`;
    const t = this.#tasks.get(key);
    if (!t) throw new MiniRtcError(ErrorCode.API_NOT_FOUND, 'no such mix task');
    this.#tasks.delete(key);
    t.view.state = 'stopped';
    if (t.restartTimer) clearTimeout(t.restartTimer);
    this.#sampleOne(t);
    t.proc?.kill('SIGKILL');
    const r = this.host.core.streams.get(appID, t.view.outputStreamID);
    if (r && r.sessionID === t.sessionID) this.host.core.release(r, 'mix stopped');
    if (this.#tasks.size === 0 && this.#cpuTimer) {
      clearInterval(this.#cpuTimer);
      this.#cpuTimer = null;
    }
    return this.#view(t);
  }

  /** Stops every task. */
  close(): void {
    this.#closed = true;
    for (const t of [...this.#tasks.values()]) this.stop(t.appID, t.view.taskID);
  }

  #view(t: Task): MixTaskView {
    const live = (s: string): boolean => this.host.core.streams.get(t.appID, s)?.live === true;
    return {
      ...t.view,
      inputs: t.view.inputs.map((i) => ({ ...i, live: live(i.streamID) })),
      cpuSeconds: Math.round(t.view.cpuSeconds * 1000) / 1000,
    };
  }

  #onInputLive(appID: number, roomID: string, streamID: string): void {
    for (const t of this.#tasks.values()) {
      if (t.appID !== appID || t.view.roomID !== roomID) continue;
      if (t.view.inputs.some((i) => i.streamID === streamID) && !t.pulling.has(streamID)) this.#restart(t);
    }
  }

  /** Replaces the running process now (new inputs or layout). */
  #restart(t: Task): void {
    if (t.restartTimer) clearTimeout(t.restartTimer);
    t.restartTimer = null;
    t.backoffMs = 500;
    if (t.proc) {
      // The exit handler spawns the successor at once for a replacement it asked for.
      (t.proc as ChildProcess & { replace?: boolean }).replace = true;
      t.proc.kill('SIGKILL');
    } else this.#spawn(t);
  }

  #spawn(t: Task): void {
    if (this.#closed || !this.#tasks.has(`${t.appID}/${t.view.taskID}`)) return;
    const { appID, roomID } = t.view;
    const placed = t.view.inputs.map((i) => {
      const r = this.host.core.streams.get(appID, i.streamID);
      const live = r?.live === true && r.roomID === roomID;
      return {
        rect: i.rect,
        url: live ? this.host.pullUrl(appID, roomID, i.streamID) : null,
        streamID: i.streamID,
      };
    });
    const pulling = placed.filter((p) => p.url !== null);
    if (pulling.length === 0) {
      // Nothing to mix yet: the first input going live starts the process.
      t.view.state = 'waiting';
      t.pulling = new Set();
      return;
    }
    const push = this.host.pushUrl(appID, roomID, t.view.outputStreamID, t.sessionID);
    const proc = spawn(this.#ffmpeg, mixArgs(placed, t.view, push), { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr?.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-2000);
    });
    proc.once('error', (e) => {
      err += String(e);
    });
    t.proc = proc;
    t.pulling = new Set(pulling.map((p) => p.streamID));
    t.startedAt = Date.now();
    t.cpuLast = 0;
    t.view.state = 'running';
    t.view.starts += 1;
    this.host.log.info({ taskID: t.view.taskID, inputs: pulling.length }, 'mix ffmpeg started');
    this.emit('spawned', t.view.taskID, pulling.length);
    proc.once('close', (code) => {
      t.cpuBase += t.cpuLast;
      t.cpuLast = 0;
      if (t.proc === proc) t.proc = null;
      this.emit('exited', t.view.taskID, code, err.slice(-600));
      if (!this.#tasks.has(`${t.appID}/${t.view.taskID}`) || this.#closed) return;
      if ((proc as ChildProcess & { replace?: boolean }).replace) {
        this.#spawn(t);
        return;
      }
      this.host.log.warn(
        { taskID: t.view.taskID, code, err: err.slice(-400) },
        'mix ffmpeg exited; restarting',
      );
      // A process that ran a while gets a fresh backoff; one that dies at once backs off up to 10 s.
      if (Date.now() - t.startedAt > 10_000) t.backoffMs = 500;
      const wait = t.backoffMs;
      t.backoffMs = Math.min(t.backoffMs * 2, 10_000);
      t.view.state = 'waiting';
      t.restartTimer = setTimeout(() => {
        t.restartTimer = null;
        this.#spawn(t);
      }, wait);
      t.restartTimer.unref();
    });
  }

  #sampleOne(t: Task): void {
    const c = cpuOf(t.proc?.pid);
    if (c !== null) t.cpuLast = c;
    t.view.cpuSeconds = t.cpuBase + t.cpuLast;
  }

  #sampleCpu(): void {
    for (const t of this.#tasks.values()) this.#sampleOne(t);
  }
}

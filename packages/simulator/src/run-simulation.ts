import { Simulator, type SimulatorOptions } from './simulator.js';
import type { SimulatorEvents } from './simulator-events.js';

/** One line of what happened in a simulation, for the CLI to print. */
export interface SimulationEvent {
  /** Instance name, e.g. `user1`. */
  user: string;
  event: keyof SimulatorEvents;
  /** A short human-readable description. */
  text: string;
}

/** Options of {@link runSimulation}. */
export interface SimulationOptions {
  /** How many simulated phones to start. */
  users: number;
  /** Room ID put into each app's `globalData.roomID`. */
  room: string;
  /** Signaling server URL put into `globalData.server`. */
  server?: string;
  /** AppID put into `globalData.appID`. */
  appID?: number;
  /** Makes the token of a user (put into `globalData.token`). */
  tokenFor?: (userID: string) => string | Promise<string>;
  /** More `globalData` for every user. */
  globalData?: Record<string, unknown>;
  /**
   * Button texts each user taps after loading, in order, awaiting async handlers: a list for everyone,
   * or a function of the user's index (0-based), e.g. `i => [i === 0 ? '加入房间(推流)' : '加入房间(不推流)']`.
   * Each tap waits until the page is ready and the button is on screen (10 s at most). A tap that fails
   * (no such button, handler threw) is reported as that user's `error` event.
   */
  taps?: string[] | ((index: number) => string[]);
  /** Run after a user's app loaded (and its taps): e.g. `sim => sim.page.tap('加入房间(推流)')`. */
  afterLoad?: (sim: Simulator, index: number) => unknown;
  /** Receives every event, formatted. */
  onEvent?: (e: SimulationEvent) => void;
  /** Passed to each {@link Simulator.load}. */
  simulator?: Omit<SimulatorOptions, 'globalData' | 'name'>;
}

/** A running simulation. */
export interface Simulation {
  sims: Simulator[];
  /** Closes every instance (media processes killed). */
  close(): Promise<void>;
}

/** One event as a printable line, or `undefined` for events too chatty for a log. */
export function describeEvent(name: keyof SimulatorEvents, p: unknown): string | undefined {
  const e = p as Record<string, unknown>;
  switch (name) {
    case 'console':
      return `${e['level']}: ${e['text']}`;
    case 'ui':
      return `my.${e['api']} ${JSON.stringify(e['args'] ?? {})}`;
    case 'error':
      return `${e['where']}: ${e['error'] instanceof Error ? e['error'].stack : String(e['error'])}`;
    case 'rtcRoomMounted':
    case 'rtcRoomUnmounted':
    case 'firstRender':
      return `<rtc-room id=${e['id']}>`;
    case 'rtmpEvent':
      return `<rtc-room id=${e['id']}> ${e['code']} ${e['message']}`;
    case 'mediaExit':
      return `<rtc-room id=${e['id']}> ${e['role']} ffmpeg exited (${e['signal'] ?? e['code']})`;
    case 'network':
      return e['online'] ? 'online' : 'offline';
    case 'page':
      return `${e['action']} ${e['route']}`;
    case 'warning':
      return String(e['text']);
    case 'sdkEvent': {
      // Quality reports come every few seconds per stream: left out of the log.
      if (String(e['name']).endsWith('QualityUpdate')) return undefined;
      const args = JSON.stringify(e['args']) ?? '';
      return `${e['name']} ${args.length > 300 ? `${args.slice(0, 300)}…` : args}`;
    }
    default:
      // render, activity and mediaProgress are too chatty for a log.
      return undefined;
  }
}

/**
 * Starts `users` instances of the mini-program in `dir`, user N with `globalData` `{ userID: 'userN',
 * roomID, server, appID, token }`, reporting their events through `onEvent`. Used by `minirtc simulate`.
 */
export async function runSimulation(dir: string, opts: SimulationOptions): Promise<Simulation> {
  const sims: Simulator[] = [];
  // A long-running simulation must not die of one app's forgotten promise (the device only logs it):
  // rejections of app-made promises become that user's 'error' events; others are printed as such.
  const onRejection = (reason: unknown, promise: Promise<unknown>): void => {
    if (sims.some((s) => s.claimUnhandledRejection(reason, promise))) return;
    opts.onEvent?.({ user: '-', event: 'error', text: `unhandled rejection: ${String(reason)}` });
  };
  process.on('unhandledRejection', onRejection);
  const close = async (): Promise<void> => {
    process.off('unhandledRejection', onRejection);
    await Promise.all(sims.map((s) => s.close()));
  };
  try {
    for (let i = 0; i < opts.users; i++) {
      const userID = `user${i + 1}`;
      const globalData: Record<string, unknown> = {
        ...opts.globalData,
        userID,
        userName: userID,
        roomID: opts.room,
      };
      if (opts.server !== undefined) globalData['server'] = opts.server;
      if (opts.appID !== undefined) globalData['appID'] = opts.appID;
      if (opts.tokenFor !== undefined) globalData['token'] = await opts.tokenFor(userID);
      const sim = await Simulator.load(dir, { ...opts.simulator, globalData, name: userID });
      sims.push(sim);
      const onEvent = opts.onEvent;
      if (onEvent !== undefined) {
        sim.events.onAny((event, payload) => {
          const text = describeEvent(event, payload);
          if (text !== undefined) onEvent({ user: userID, event, text });
        });
      }
      const taps = typeof opts.taps === 'function' ? opts.taps(i) : (opts.taps ?? []);
      for (const text of taps) {
        try {
          // As a user: once the page is ready and the button is on screen.
          await sim.tap(text);
        } catch (e) {
          sim.events.emit('error', { error: e, where: `tap '${text}'` });
        }
      }
      await opts.afterLoad?.(sim, i);
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { sims, close };
}

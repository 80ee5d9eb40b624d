import { performance } from 'node:perf_hooks';
import { generateToken04 } from '@minirtc/protocol/crypto';
import type { ParsedArgs } from './args.js';
import { configFrom } from './commands.js';
import type { Io } from './commands.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadUser } from './loadtest-client.js';
import { listenOverflows } from './loadtest-kernel.js';
import { type Probe, startProbe } from './loadtest-probe.js';
import { type MediaPushers, makeSyntheticMedia, pushMedia } from './loadtest-media.js';
import { LOADTEST_OWN_OPTIONS, parseLoadtestOptions } from './loadtest-options.js';
import type { LoadtestOptions } from './loadtest-options.js';
import { serverRss, startLoadtestServer } from './loadtest-server.js';
import { type LoadtestSummary, formatSummary, percentiles } from './loadtest-stats.js';

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The configuration flags given on the command line, to be handed on to a server the test starts. */
function configFlags(args: ParsedArgs): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(args.options)) {
    if (LOADTEST_OWN_OPTIONS.includes(k) || k === 'help') continue;
    out.push(`--${k}`, v);
  }
  return out;
}

/** Where a run sends its users: one signaling node or several sharing state. */
export interface LoadtestTarget {
  wsUrls: string[];
  /** The nodes' HTTP bases, for their RSS (`/metrics`). */
  httpUrls: string[];
  appID: number;
  secret: string;
}

/** Summed RSS of the nodes; null when any cannot be read. */
async function nodesRss(httpUrls: string[]): Promise<number | null> {
  const all = await Promise.all(httpUrls.map((u) => serverRss(u)));
  return all.some((v) => v === null) ? null : all.reduce<number>((a, v) => a + (v ?? 0), 0);
}

/**
 * Runs the load against the node(s): logins at the rate, then publishers (media over RTMP), then
 * broadcasts, then the figures. User `i`
 * joins room `i mod rooms` on node `⌊i / rooms⌋ mod nodes`: the members of each room are dealt over
 * the nodes in turn, so with two nodes a 2-person room has one member on each.
 */
export async function runLoadtest(
  o: LoadtestOptions,
  target: LoadtestTarget,
  progress: (line: string) => void,
): Promise<LoadtestSummary> {
  const sendTimes = new Map<string, number>();
  const fanout: number[] = [];
  /** Publishers' streams: when their push started, and how long until the server said "live". */
  const pushStarted = new Map<string, number>();
  const toLive: number[] = [];
  const onPush = (p: { type: string; [k: string]: unknown }, at: number) => {
    if (p.type === 'mediaUpdate' && p.kind === 'publish' && p.state === 'live') {
      const t = pushStarted.get(p.streamID as string);
      if (t !== undefined) {
        pushStarted.delete(p.streamID as string);
        toLive.push(at - t);
      }
      return;
    }
    if (p.type !== 'broadcast') return;
    for (const m of p.messages as { message: string }[]) {
      const sent = sendTimes.get(m.message);
      if (sent !== undefined) fanout.push(at - sent);
    }
  };
  const users: LoadUser[] = [];
  const latencies: number[] = [];
  const errors = new Set<string>();
  let failed = 0;
  let lastDone = 0;
  const started = performance.now();
  const tick = setInterval(() => {
    const done = latencies.length;
    progress(
      `loadtest ${((performance.now() - started) / 1000).toFixed(0)} s: ${done}/${o.users} logged in, ${failed} failed, ${done - lastDone} logins in the last second`,
    );
    lastDone = done;
  }, 1000);
  const rssIdle = await nodesRss(target.httpUrls);
  let t0 = 0;
  let tLast = 0;
  let pushers: MediaPushers | null = null;
  try {
    const logins: Promise<void>[] = [];
    // Tokens are made before the clock starts: a real client has its token from the app's server
    // before it connects, and making them in the loop cost the load client time the logins need.
    const tokens = Array.from({ length: o.users }, (_, i) =>
      generateToken04({ appID: target.appID, userID: `lt${i}`, secret: target.secret, ttlSeconds: 3600 }),
    );
    const local = target.wsUrls.every((u) => /^wss?:\/\/(127\.[\d.]+|localhost|\[::1\])[:/]/.test(u));
    const overflowsBefore = local ? listenOverflows() : null;
    t0 = performance.now();
    for (let i = 0; i < o.users; i++) {
      const due = t0 + (i * 1000) / o.rate;
      const ahead = due - performance.now();
      if (ahead > 1) await wait(ahead);
      const userID = `lt${i}`;
      const u = new LoadUser(
        {
          url: target.wsUrls[Math.floor(i / o.rooms) % target.wsUrls.length] as string,
          appID: target.appID,
          roomID: `lt-room-${i % o.rooms}`,
          userID,
          token: tokens[i] as string,
          userUpdate: o.userUpdate,
        },
        onPush,
      );
      users.push(u);
      logins.push(
        u.login().then(
          (ms) => {
            latencies.push(ms);
            tLast = performance.now();
          },
          (e: Error) => {
            failed += 1;
            if (errors.size < 5) errors.add(e.message);
          },
        ),
      );
    }
    await Promise.all(logins);
    const overflowsAfter = local ? listenOverflows() : null;
    const rssLoaded = await nodesRss(target.httpUrls);
    const published = await startPublishers(o, users, pushStarted, errors);
    pushers = published.pushers;
    if (pushers) {
      const deadline = performance.now() + 30_000 + published.count * 100;
      while (toLive.length < published.count && performance.now() < deadline && !pushers.failure())
        await wait(20);
      const f = pushers.failure();
      if (f && errors.size < 5) errors.add(f);
    }

    // Broadcasts: each room's first user sends at 8/s (ZEGO's room limit is 10/s).
    let sent = 0;
    let expected = 0;
    let probe: Probe | null = null;
    if (o.messages > 0) {
      const probeID = `lt-probe-${o.users}`;
      probe = await startProbe(
        {
          url: target.wsUrls[0] as string,
          appID: target.appID,
          roomID: `lt-probe-room-${o.users}`,
          userID: probeID,
          token: generateToken04({
            appID: target.appID,
            userID: probeID,
            secret: target.secret,
            ttlSeconds: 3600,
          }),
          userUpdate: false,
        },
        errors,
      );
      const senders = new Map<string, { u: LoadUser; size: number }>();
      for (const u of users) {
        if (!u.loggedIn) continue;
        const s = senders.get(u.spec.roomID);
        if (s) s.size += 1;
        else senders.set(u.spec.roomID, { u, size: 1 });
      }
      for (let k = 0; k < o.messages; k++) {
        if (k > 0) await wait(125);
        for (const { u, size } of senders.values()) {
          const text = `lt|${u.spec.roomID}|${k}`;
          sendTimes.set(text, performance.now());
          sent += 1;
          expected += size - 1;
          u.broadcast(text).catch((e: Error) => {
            if (errors.size < 5) errors.add(`broadcast: ${e.message}`);
          });
        }
      }
      const deadline = performance.now() + 10_000 + expected / 100;
      while (fanout.length < expected && performance.now() < deadline) await wait(20);
      await probe?.stop();
    }
    if (o.holdMs > 0) await wait(o.holdMs);
    const elapsed = (tLast - t0) / 1000;
    return {
      users: o.users,
      rooms: o.rooms,
      nodes: target.wsUrls.length,
      rateAsked: o.rate,
      loggedIn: latencies.length,
      failed,
      errors: [...errors],
      login: percentiles(latencies),
      loginsPerSecond: elapsed > 0 ? latencies.length / elapsed : 0,
      broadcastsSent: sent,
      broadcastDeliveries: fanout.length,
      broadcastExpected: expected,
      fanout: percentiles(fanout),
      probe: probe?.result() ?? null,
      publishers: o.publishers,
      publishersLive: toLive.length,
      toLive: percentiles(toLive),
      pushesPerUser: users.reduce((a, u) => a + u.pushes, 0) / Math.max(1, users.length),
      serverRssIdle: rssIdle,
      serverRssLoaded: rssLoaded,
      rssPerSessionBytes:
        rssIdle !== null && rssLoaded !== null && latencies.length > 0
          ? (rssLoaded - rssIdle) / latencies.length
          : null,
      listenOverflows:
        overflowsBefore !== null && overflowsAfter !== null ? overflowsAfter - overflowsBefore : null,
    };
  } finally {
    clearInterval(tick);
    await pushers?.stop();
    for (const u of users) u.close();
  }
}

/**
 * Users 0 … n−1 (spread over the rooms) ask for push URLs; ffmpeg then pushes the media to them. Each
 * stream's start time goes into `started`, so its "live" push can be timed. A refused publish counts as
 * an error (the stream then never goes live).
 */
async function startPublishers(
  o: LoadtestOptions,
  users: LoadUser[],
  started: Map<string, number>,
  errors: Set<string>,
): Promise<{ pushers: MediaPushers | null; count: number }> {
  if (o.publishers === 0) return { pushers: null, count: 0 };
  const file = o.media ?? makeSyntheticMedia(mkdtempSync(join(tmpdir(), 'minirtc-loadtest-media-')));
  const chosen = users.slice(0, o.publishers).filter((u) => u.loggedIn);
  const urls = await Promise.all(
    chosen.map((u) =>
      u.publish(`${u.spec.userID}_s`).then(
        (url) => ({ streamID: `${u.spec.userID}_s`, url }),
        (e: Error) => {
          if (errors.size < 5) errors.add(`publish: ${e.message}`);
          return null;
        },
      ),
    ),
  );
  const ok = urls.filter((x): x is { streamID: string; url: string } => x !== null);
  const now = performance.now();
  for (const x of ok) started.set(x.streamID, now);
  return {
    pushers: pushMedia(
      file,
      ok.map((x) => x.url),
    ),
    count: o.publishers,
  };
}

/**
 * `minirtc loadtest`: starts a server (or uses `--server`), runs the load, prints the summary. Exits 0
 * when every user logged in, every broadcast reached every other member and every publisher went
 * live, 1 otherwise.
 */
export async function loadtestCommand(args: ParsedArgs, io: Io): Promise<number> {
  const o = parseLoadtestOptions(args);
  configFrom(args, io, LOADTEST_OWN_OPTIONS); // a bad configuration flag fails before anything starts
  const own =
    o.servers === undefined ? await startLoadtestServer(configFlags(args), o.users, o.publishers) : null;
  const wsUrls = own ? [own.wsUrl] : (o.servers as string[]);
  const target: LoadtestTarget = {
    wsUrls,
    httpUrls: wsUrls.map((u) => u.replace(/^ws/, 'http').replace(/\/ws\/?$/, '')),
    appID: own?.appID ?? (o.appID as number),
    secret: own?.secret ?? (o.secret as string),
  };
  try {
    const summary = await runLoadtest(o, target, (l) => io.err(l));
    const gone = own?.exited();
    if (gone) summary.errors.push(gone);
    if (o.json) io.out(JSON.stringify(summary, null, 2));
    else for (const l of formatSummary(summary)) io.out(l);
    return summary.failed === 0 &&
      summary.broadcastDeliveries === summary.broadcastExpected &&
      summary.publishersLive === summary.publishers
      ? 0
      : 1;
  } finally {
    await own?.stop();
  }
}

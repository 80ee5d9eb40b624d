/**
 * RTMP fan-out benchmark: one ~1 Mbps publisher, N rtmpdump players, for our gateway, nginx-rtmp and
 * node-media-server in the same run on this machine. Reports server CPU per player, RSS, delivered
 * bitrate per player and a late joiner's time to first video byte. See BENCHMARKS.md for the method.
 *
 *   npm run bench                       # N = 10,100,500, 15 s window, all servers
 *   BENCH_N=10,100 BENCH_WINDOW_S=10 BENCH_SERVERS=minirtc,nginx-rtmp npm run bench
 *   BENCH_N=10 BENCH_REPEAT=5 BENCH_SERVERS=minirtc,nginx-rtmp npm run bench   # median of 5 interleaved runs
 *   BENCH_N=1,10 BENCH_SERVERS=minirtc,node-pipe,nginx-rtmp npm run bench      # with Node's floor (node-pipe)
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSource } from './media-source.js';
import { cpuSeconds, ioBytes, rssBytes } from './proc-stats.js';
import { startMiniRtc, startNginxRtmp, startNms, startNodePipe } from './servers.js';
import type { ServerUnderTest } from './servers.js';

const Ns = (process.env.BENCH_N ?? '10,100,500').split(',').map(Number);
const windowS = Number(process.env.BENCH_WINDOW_S ?? 15);
/** Runs per (server, N), interleaved across servers; the table shows each server's median run. */
const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 1));
const servers = (process.env.BENCH_SERVERS ?? 'minirtc,minirtc-semi1,nginx-rtmp,node-media-server').split(
  ',',
);
const work = mkdtempSync(join(tmpdir(), 'minirtc-bench-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Result of one (server, N) run. */
interface Row {
  server: string;
  version: string;
  players: number;
  playersReceiving: number;
  cpuPercent: number;
  /** With BENCH_REPEAT: the lowest and highest CPU % of the runs (the row is the median run). */
  cpuRange?: [number, number];
  cpuPerPlayerPercent: number;
  rssMB: number;
  rssPerPlayerKB: number;
  kbpsPerPlayer: number;
  publisherKbps: number;
  lateJoinerFirstVideoMs: number | null;
  lateJoinerKeyframe: boolean | null;
}

function publish(
  src: string,
  url: string,
): { proc: ChildProcess; started: Promise<void>; bytes: () => number } {
  let total = 0;
  const proc = spawn(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-re',
      '-stream_loop',
      '-1',
      '-i',
      src,
      '-c',
      'copy',
      '-f',
      'flv',
      '-progress',
      'pipe:1',
      url,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const started = new Promise<void>((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /out_time_us=(\d+)/g;
      let last = 0;
      for (let x = m.exec(buf); x; x = m.exec(buf)) last = Number(x[1]);
      const sizes = [...buf.matchAll(/total_size=(\d+)/g)];
      if (sizes.length) total = Number(sizes[sizes.length - 1]![1]);
      if (last > 2_000_000) resolve();
      if (buf.length > 8192) buf = buf.slice(-1024);
    });
    proc.once('exit', (c) => reject(new Error(`publisher exited with ${c}`)));
  });
  return { proc, started, bytes: () => total };
}

function player(url: string): ChildProcess {
  return spawn('rtmpdump', ['-q', '-v', '-r', url, '-o', '/dev/null'], { stdio: 'ignore' });
}

/** Spawns rtmpdump writing FLV to a pipe and times the first video tag. */
function lateJoiner(url: string): Promise<{ ms: number | null; keyframe: boolean | null }> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const p = spawn('rtmpdump', ['-q', '-v', '-r', url, '-o', '-'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (ms: number | null, keyframe: boolean | null) => {
      if (done) return;
      done = true;
      p.kill('SIGKILL');
      resolve({ ms, keyframe });
    };
    setTimeout(() => finish(null, null), 10_000).unref();
    p.stdout!.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      let off = 13; // FLV header (9) + PreviousTagSize0 (4)
      while (buf.length >= off + 11) {
        const type = buf[off]! & 0x1f;
        const size = buf.readUIntBE(off + 1, 3);
        if (type === 9 && buf.length >= off + 12) {
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          return finish(ms, buf[off + 11]! >> 4 === 1);
        }
        off += 11 + size + 4;
      }
    });
    p.once('exit', () => finish(null, null));
  });
}

async function waitReceiving(players: ChildProcess[], minBytes: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = players.filter((p) => p.pid && ioBytes(p.pid).written >= minBytes).length;
    if (n === players.length || Date.now() > deadline) return n;
    await sleep(250);
  }
}

async function runOne(start: () => Promise<ServerUnderTest>, src: string, n: number): Promise<Row> {
  const srv = await start();
  const url = `rtmp://127.0.0.1:${srv.port}/live/bench`;
  const pub = publish(src, url);
  const players: ChildProcess[] = [];
  try {
    await pub.started;
    for (let i = 0; i < n; i++) {
      players.push(player(url));
      if (i % 50 === 49) await sleep(200);
    }
    const receiving = await waitReceiving(players, 64 * 1024, 60_000 + n * 100);
    await sleep(2000);
    const pid = srv.proc.pid!;
    const c0 = cpuSeconds(pid);
    // rtmpdump's writes to its -o file count what was delivered (its socket recv() calls do not show in /proc/io).
    const r0 = players.map((p) => ioBytes(p.pid!).written);
    const pub0 = pub.bytes();
    const t0 = Date.now();
    await sleep(windowS * 1000);
    const dt = (Date.now() - t0) / 1000;
    const cpu = ((cpuSeconds(pid) - c0) / dt) * 100;
    const rss = rssBytes(pid);
    const got = players.map((p, i) => ioBytes(p.pid!).written - r0[i]!);
    const kbps = got.reduce((a, b) => a + b, 0) / n / dt / 125;
    const pubKbps = (pub.bytes() - pub0) / dt / 125;
    const late = await lateJoiner(url);
    return {
      server: srv.name,
      version: srv.version,
      players: n,
      playersReceiving: receiving,
      cpuPercent: round(cpu, 2),
      cpuPerPlayerPercent: round(cpu / n, 3),
      rssMB: round(rss / 1048576, 1),
      rssPerPlayerKB: 0,
      kbpsPerPlayer: round(kbps, 0),
      publisherKbps: round(pubKbps, 0),
      lateJoinerFirstVideoMs: late.ms === null ? null : round(late.ms, 0),
      lateJoinerKeyframe: late.keyframe,
    };
  } finally {
    for (const p of players) p.kill('SIGKILL');
    pub.proc.kill('SIGKILL');
    await srv.stop();
  }
}

/** The run with the median CPU, carrying the CPU range of all runs. */
function medianRun(list: Row[]): Row {
  const sorted = [...list].sort((a, b) => a.cpuPercent - b.cpuPercent);
  const mid = sorted[(sorted.length - 1) >> 1] as Row;
  if (sorted.length < 2) return mid;
  return { ...mid, cpuRange: [sorted[0]!.cpuPercent, sorted[sorted.length - 1]!.cpuPercent] };
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

async function main() {
  for (const bin of ['ffmpeg', 'rtmpdump', 'nginx']) {
    if (spawnSync('which', [bin]).status !== 0)
      throw new Error(`${bin} missing: run scripts/ensure-deps.sh bench`);
  }
  const src = makeSource(work, Number(process.env.BENCH_SOURCE_S ?? 20));
  const starters: Record<string, (port: number) => Promise<ServerUnderTest>> = {
    minirtc: (p) => startMiniRtc(work, p),
    // Our gateway with V8's young generation capped: a memory/CPU tuning option (see BENCHMARKS.md).
    'minirtc-semi1': (p) => startMiniRtc(work, p, '--max-semi-space-size=1'),
    'nginx-rtmp': (p) => startNginxRtmp(work, p),
    'node-media-server': (p) => startNms(work, p),
    // The floor of moving these bytes through Node (a pass-through in front of nginx-rtmp); opt-in.
    'node-pipe': (p) => startNodePipe(work, p),
  };
  const rows: Row[] = [];
  let port = 19350;
  for (const n of Ns) {
    const runs = new Map<string, Row[]>();
    for (let rep = 0; rep < repeat; rep++) {
      // Idle baseline RSS per server, so per-player memory excludes the process's fixed cost.
      for (const name of servers) {
        const start = starters[name];
        if (!start) throw new Error(`unknown server ${name}`);
        const p = port;
        port += 10;
        process.stderr.write(`${name} N=${n}${repeat > 1 ? ` run ${rep + 1}/${repeat}` : ''} …\n`);
        const idle = await start(p);
        const idleRss = rssBytes(idle.proc.pid!);
        await idle.stop();
        const row = await runOne(() => start(p + 5), src, n);
        row.rssPerPlayerKB = round((row.rssMB * 1048576 - idleRss) / n / 1024, 1);
        process.stderr.write(`  ${JSON.stringify(row)}\n`);
        runs.set(name, [...(runs.get(name) ?? []), row]);
      }
    }
    for (const name of servers) rows.push(medianRun(runs.get(name) ?? []));
  }
  const base = rows.filter((r) => r.server === 'nginx-rtmp');
  const lines = [
    `| server | players | receiving | CPU % of a core | CPU %/player | ratio to nginx-rtmp | RSS MB | RSS KB/player | kbps/player | late joiner first video ms (keyframe) |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---:|---|`,
    ...rows.map((r) => {
      const b = base.find((x) => x.players === r.players);
      const ratio = b && b.cpuPercent > 0 ? round(r.cpuPercent / b.cpuPercent, 2) : '–';
      const cpu = r.cpuRange ? `${r.cpuPercent} (${r.cpuRange[0]}–${r.cpuRange[1]})` : `${r.cpuPercent}`;
      return `| ${r.server} | ${r.players} | ${r.playersReceiving} | ${cpu} | ${r.cpuPerPlayerPercent} | ${ratio} | ${r.rssMB} | ${r.rssPerPlayerKB} | ${r.kbpsPerPlayer} | ${r.lateJoinerFirstVideoMs ?? 'none'} (${r.lateJoinerKeyframe ?? '–'}) |`;
    }),
  ];
  const outDir = process.env.BENCH_OUT ?? new URL('./results/', import.meta.url).pathname;
  if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(outDir, `fanout-${stamp}.json`), JSON.stringify({ windowS, rows }, null, 2));
  writeFileSync(join(outDir, `fanout-${stamp}.md`), lines.join('\n') + '\n');
  process.stdout.write(
    `\nwindow ${windowS} s${repeat > 1 ? `, median of ${repeat} runs (CPU range in brackets)` : ''}, publisher ≈1 Mbps (copy of a pre-encoded FLV), players: rtmpdump -v -o /dev/null\n`,
  );
  process.stdout.write(lines.join('\n') + '\n');
}

await main();

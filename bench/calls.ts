/**
 * Calls benchmark: C concurrent 1v1 calls, the workload MiniRTC exists for. Each call is two ~1 Mbps
 * streams published with `ffmpeg -c copy` (tee muxer, one ffmpeg per 10 calls) and each side played
 * by one rtmpdump. MiniRTC, nginx-rtmp, node-media-server and node-pipe (a bytes-only Node pass-through
 * in front of nginx-rtmp: the floor of moving these bytes through Node) in the same run. Reports server CPU %
 * (of one core) per call over the window, RSS per call above the idle process, and how many players
 * received at least 80 % of the bytes published. See BENCHMARKS.md for the method.
 *
 *   npm run bench -- calls                              # C = 25,100, 15 s window, all servers
 *   BENCH_CALLS=2 BENCH_WINDOW_S=2 BENCH_SERVERS=minirtc npm run bench -- calls
 *   BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof' BENCH_SERVERS=minirtc npm run bench -- calls
 *   BENCH_SERVERS=minirtc,minirtc-node-reads,nginx-rtmp npm run bench -- calls   # with Node's own reads
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSource } from './media-source.js';
import { cpuSeconds, cpuSplit, ioBytes, rssBytes } from './proc-stats.js';
import { startMiniRtc, startNginxRtmp, startNms, startNodePipe } from './servers.js';
import type { ServerUnderTest } from './servers.js';

const Cs = (process.env.BENCH_CALLS ?? '25,100').split(',').map(Number);
const windowS = Number(process.env.BENCH_WINDOW_S ?? 15);
const sourceS = Number(process.env.BENCH_SOURCE_S ?? 20);
const servers = (process.env.BENCH_SERVERS ?? 'minirtc,nginx-rtmp,node-media-server,node-pipe').split(',');
const work = mkdtempSync(join(tmpdir(), 'minirtc-bench-calls-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CALLS_PER_FFMPEG = 10;

/** Result of one (server, C) run. */
interface Row {
  server: string;
  calls: number;
  players: number;
  /** Players that received ≥ 80 % of the bytes the source carries in the window. */
  playersAt80: number;
  cpuPercent: number;
  cpuPerCallPercent: number;
  rssMB: number;
  rssPerCallKB: number;
  /** Share of the CPU spent in the kernel (syscalls, loopback TCP). */
  systemShare: number;
  /** Read-like and write-like syscalls per second. */
  readsPerS: number;
  writesPerS: number;
}

/** One ffmpeg pushing the same file to every URL (tee muxer, stream copy). */
function publishTee(src: string, urls: string[]): { proc: ChildProcess; started: Promise<void> } {
  const tee = urls.map((u) => `[f=flv:onfail=ignore]${u}`).join('|');
  const proc = spawn(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', src].concat([
      '-map',
      '0',
      '-c',
      'copy',
      '-f',
      'tee',
      '-progress',
      'pipe:1',
      tee,
    ]),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const started = new Promise<void>((resolve, reject) => {
    let buf = '';
    proc.stdout?.on('data', (d: Buffer) => {
      buf = (buf + d.toString()).slice(-4096);
      for (const m of buf.matchAll(/out_time_us=(\d+)/g)) if (Number(m[1]) > 1_000_000) resolve();
    });
    let err = '';
    proc.stderr?.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-1000);
    });
    proc.once('exit', (c) => reject(new Error(`publisher exited with ${c}: ${err}`)));
  });
  return { proc, started };
}

function player(url: string): ChildProcess {
  return spawn('rtmpdump', ['-q', '-v', '-r', url, '-o', '/dev/null'], { stdio: 'ignore' });
}

async function waitReceiving(players: ChildProcess[], minBytes: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = players.filter((p) => p.pid && ioBytes(p.pid).written >= minBytes).length;
    if (n === players.length || Date.now() > deadline) return n;
    await sleep(250);
  }
}

async function runOne(srv: ServerUnderTest, src: string, bytesPerS: number, calls: number) {
  const base = `rtmp://127.0.0.1:${srv.port}/live`;
  const pubs: { proc: ChildProcess; started: Promise<void> }[] = [];
  const players: ChildProcess[] = [];
  try {
    for (let g = 0; g < calls; g += CALLS_PER_FFMPEG) {
      const urls: string[] = [];
      for (let i = g; i < Math.min(calls, g + CALLS_PER_FFMPEG); i++)
        urls.push(`${base}/c${i}a`, `${base}/c${i}b`);
      pubs.push(publishTee(src, urls));
    }
    await Promise.all(pubs.map((p) => p.started));
    // Each side plays the other's stream.
    for (let i = 0; i < calls; i++) {
      players.push(player(`${base}/c${i}b`), player(`${base}/c${i}a`));
      if (i % 25 === 24) await sleep(200);
    }
    await waitReceiving(players, 64 * 1024, 30_000 + calls * 200);
    await sleep(2000);
    const pid = srv.proc.pid as number;
    const c0 = cpuSplit(pid);
    const s0 = cpuSeconds(pid);
    const io0 = ioBytes(pid);
    const r0 = players.map((p) => ioBytes(p.pid as number).written);
    const t0 = Date.now();
    await sleep(windowS * 1000);
    const dt = (Date.now() - t0) / 1000;
    const c1 = cpuSplit(pid);
    const s1 = cpuSeconds(pid);
    const io1 = ioBytes(pid);
    // CPU from the scheduler's nanoseconds; the kernel share from the (tick-counted) user/system split.
    const user = c1.user - c0.user;
    const system = c1.system - c0.system;
    const cpu = ((s1 - s0) / dt) * 100;
    const rss = rssBytes(pid);
    const at80 = players.filter(
      (p, i) => ioBytes(p.pid as number).written - (r0[i] ?? 0) >= 0.8 * bytesPerS * dt,
    );
    return {
      cpu,
      rss,
      playersAt80: at80.length,
      players: players.length,
      systemShare: user + system > 0 ? system / (user + system) : 0,
      readsPerS: (io1.readCalls - io0.readCalls) / dt,
      writesPerS: (io1.writeCalls - io0.writeCalls) / dt,
    };
  } finally {
    for (const p of players) p.kill('SIGKILL');
    for (const p of pubs) p.proc.kill('SIGKILL');
  }
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

/** One server's cost of one more call between two call counts of the run. */
interface Marginal {
  server: string;
  from: number;
  to: number;
  cpuPercentPerCall: number;
  rssKBPerCall: number;
}

/** For each server measured at two or more call counts: the slope between its smallest and largest. */
function marginalPerCall(rows: readonly Row[]): Marginal[] {
  const out: Marginal[] = [];
  for (const server of new Set(rows.map((r) => r.server))) {
    const mine = rows.filter((r) => r.server === server).sort((a, b) => a.calls - b.calls);
    const lo = mine[0];
    const hi = mine[mine.length - 1];
    if (!lo || !hi || hi.calls === lo.calls) continue;
    const n = hi.calls - lo.calls;
    out.push({
      server,
      from: lo.calls,
      to: hi.calls,
      cpuPercentPerCall: round((hi.cpuPercent - lo.cpuPercent) / n, 3),
      rssKBPerCall: round(((hi.rssMB - lo.rssMB) * 1024) / n, 1),
    });
  }
  return out;
}

async function main() {
  for (const bin of ['ffmpeg', 'rtmpdump', 'nginx']) {
    if (spawnSync('which', [bin]).status !== 0)
      throw new Error(`${bin} missing: run scripts/ensure-deps.sh bench`);
  }
  const src = makeSource(work, sourceS);
  const bytesPerS = statSync(src).size / sourceS;
  const starters: Record<string, (port: number) => Promise<ServerUnderTest>> = {
    // BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles our gateway under the load.
    minirtc: (p) => startMiniRtc(work, p, process.env.BENCH_NODE_FLAGS ?? ''),
    'minirtc-semi1': (p) => startMiniRtc(work, p, '--max-semi-space-size=1'),
    // V8's default young generation (16 MB semi-spaces) instead of the shipped 4 MB.
    'minirtc-semi16': (p) => startMiniRtc(work, p, '--max-semi-space-size=16'),
    // Our gateway reading sockets the ordinary way (a new buffer per read): before/after in one run.
    'minirtc-node-reads': (p) =>
      startMiniRtc(
        work,
        p,
        process.env.BENCH_NODE_FLAGS ?? '',
        { BENCH_SHARED_READ_BUFFER: '0' },
        'minirtc-node-reads',
      ),
    'nginx-rtmp': (p) => startNginxRtmp(work, p),
    'node-media-server': (p) => startNms(work, p),
    // What Node's read/write path alone costs for these bytes (a pass-through, twice the traffic).
    'node-pipe': (p) => startNodePipe(work, p),
  };
  const rows: Row[] = [];
  let port = 19550;
  for (const calls of Cs) {
    for (const name of servers) {
      const start = starters[name];
      if (!start) throw new Error(`unknown server ${name}`);
      process.stderr.write(`${name} calls=${calls} …\n`);
      const srv = await start(port);
      port += 10;
      try {
        await sleep(1000);
        const idle = rssBytes(srv.proc.pid as number);
        const r = await runOne(srv, src, bytesPerS, calls);
        const row: Row = {
          server: srv.name,
          calls,
          players: r.players,
          playersAt80: r.playersAt80,
          cpuPercent: round(r.cpu, 1),
          cpuPerCallPercent: round(r.cpu / calls, 3),
          rssMB: round(r.rss / 1048576, 1),
          rssPerCallKB: round((r.rss - idle) / calls / 1024, 1),
          systemShare: round(r.systemShare * 100, 0),
          readsPerS: Math.round(r.readsPerS),
          writesPerS: Math.round(r.writesPerS),
        };
        rows.push(row);
        process.stderr.write(`  ${JSON.stringify(row)}\n`);
      } finally {
        await srv.stop();
      }
    }
  }
  const lines = [
    '| server | calls | players ≥ 80 % bytes | CPU % of a core | CPU %/call | CPU ratio to nginx-rtmp | kernel share of CPU | reads/s | writes/s | RSS MB | RSS KB/call above idle | RSS ratio to nginx-rtmp |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => {
      const b = rows.find((x) => x.server === 'nginx-rtmp' && x.calls === r.calls);
      const cpuRatio = b && b.cpuPercent > 0 ? round(r.cpuPercent / b.cpuPercent, 2) : '–';
      const rssRatio = b && b.rssPerCallKB > 0 ? round(r.rssPerCallKB / b.rssPerCallKB, 1) : '–';
      return `| ${r.server} | ${r.calls} | ${r.playersAt80}/${r.players} | ${r.cpuPercent} | ${r.cpuPerCallPercent} | ${cpuRatio} | ${r.systemShare} % | ${r.readsPerS} | ${r.writesPerS} | ${r.rssMB} | ${r.rssPerCallKB} | ${rssRatio} |`;
    }),
  ];
  // What one more call costs, from the smallest and largest C of each server: the fixed costs (young
  // generation, code, pools) that "above idle" spreads over few calls drop out of it.
  const marginal = marginalPerCall(rows);
  if (marginal.length) {
    lines.push(
      '',
      '| server | between calls | marginal CPU % of a core per call | marginal RSS KB per call |',
      '|---|---|---:|---:|',
      ...marginal.map(
        (m) => `| ${m.server} | ${m.from}–${m.to} | ${m.cpuPercentPerCall} | ${m.rssKBPerCall} |`,
      ),
    );
  }
  const outDir = process.env.BENCH_OUT ?? new URL('./results/', import.meta.url).pathname;
  if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(outDir, `calls-${stamp}.json`), JSON.stringify({ windowS, rows, marginal }, null, 2));
  process.stdout.write(
    `\ncalls: window ${windowS} s, two ≈1 Mbps streams per call (ffmpeg -c copy, tee), rtmpdump players\n`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();

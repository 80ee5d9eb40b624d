/**
 * Relay-latency probe: the time from a media message leaving the publisher's socket to its arrival
 * at a player, p50/p99/max, for each server, with 1 player and with P players (P − 1 of them
 * rtmpdump, the load; one a probe in this process). The publisher (in this process) sends a ~5 KB
 * keyframe-marked video message every 40 ms (≈1 Mbps, 25 fps) carrying its sequence number, so no
 * server waits for a GOP; the probe reads the number back and looks up when it was written.
 *
 *   npm run bench -- relay-latency                      # P = 1,500, 10 s per run, all servers
 *   BENCH_PLAYERS=1 BENCH_PROBE_S=3 BENCH_SERVERS=minirtc npm run bench -- relay-latency
 *   BENCH_PROBE_JOINS=first npm run bench -- relay-latency   # the probe joins before the load players
 *
 * Where the probe sits in a server's fan-out order matters at 500 players: a server writes to its
 * players one after the other, so the first served sees none of the turn and the last sees all of it.
 * We serve in join order; nginx-rtmp links a new player at the head of its list (newest first). The
 * default (`last`: the probe joins after the load) is the latest position for us and the earliest for
 * nginx-rtmp; `first` is the reverse.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MessageType, writeMessage } from '../packages/rtmp/src/protocol/chunk-writer.js';
import { ServerOutput, chunkSize4096, clientScript, tags } from '../packages/rtmp/test/helpers.js';
import { startMiniRtc, startNginxRtmp, startNms } from './servers.js';
import type { ServerUnderTest } from './servers.js';

const Ps = (process.env.BENCH_PLAYERS ?? '1,500').split(',').map(Number);
const probeS = Number(process.env.BENCH_PROBE_S ?? 10);
const probeJoins = process.env.BENCH_PROBE_JOINS === 'first' ? 'first' : 'last';
const servers = (process.env.BENCH_SERVERS ?? 'minirtc,nginx-rtmp,node-media-server').split(',');
const work = mkdtempSync(join(tmpdir(), 'minirtc-bench-latency-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FRAME_BYTES = 5000;
const WARMUP_MS = 1000;

interface Row {
  server: string;
  players: number;
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

function until(out: ServerOutput, sock: Socket, code: string, ms = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${code}: ${out.codes().join(',')}`)), ms);
    const check = () => {
      if (out.codes().includes(code)) {
        clearTimeout(t);
        sock.off('data', check);
        resolve();
      }
    };
    sock.on('data', check);
  });
}

function rtmpClient(port: number, kind: 'publish' | 'play', onMessage?: (typeId: number, p: Buffer) => void) {
  const sock = connect(port, '127.0.0.1');
  sock.setNoDelay(true);
  const out = new ServerOutput();
  sock.on('data', (d: Buffer) => {
    for (const m of out.push(d)) onMessage?.(m.typeId, m.payload);
    // Only commands matter afterwards: drop media so the probe holds nothing.
    if (out.messages.length > 64) out.messages.splice(0, out.messages.length - 16);
  });
  sock.on('error', () => {});
  sock.write(Buffer.concat(clientScript(kind, 'live', 'probe')));
  return { sock, out };
}

function pct(v: number[]): { p50: number; p99: number; max: number } {
  const s = [...v].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? Number.NaN };
}

async function runOne(srv: ServerUnderTest, players: number): Promise<Row> {
  const sent = new Map<number, number>();
  const lat: number[] = [];
  const pub = rtmpClient(srv.port, 'publish');
  const load: ChildProcess[] = [];
  let timer: NodeJS.Timeout | null = null;
  const probe: { sock: Socket | null } = { sock: null };
  try {
    await until(pub.out, pub.sock, 'NetStream.Publish.Start');
    pub.sock.write(chunkSize4096);
    pub.sock.write(writeMessage(6, MessageType.VIDEO, 1, 0, tags.avcHeader, 4096));
    const t0 = performance.now();
    let seq = 0;
    const frame = () => {
      seq += 1;
      const body = tags.avcKey(FRAME_BYTES);
      body.writeUInt32BE(seq, 5);
      const msg = writeMessage(6, MessageType.VIDEO, 1, Math.round(performance.now() - t0), body, 4096);
      sent.set(seq, performance.now());
      pub.sock.write(msg);
    };
    timer = setInterval(frame, 40);
    let measuring = false;
    const joinProbe = async (): Promise<void> => {
      const p = rtmpClient(srv.port, 'play', (typeId, payload) => {
        if (!measuring || typeId !== MessageType.VIDEO || payload.length < 9 || payload[1] !== 1) return;
        const at = sent.get(payload.readUInt32BE(5));
        if (at !== undefined) lat.push(performance.now() - at);
      });
      probe.sock = p.sock;
      await until(p.out, p.sock, 'NetStream.Play.Start');
    };
    if (probeJoins === 'first') await joinProbe();
    for (let i = 1; i < players; i++) {
      load.push(
        spawn('rtmpdump', ['-q', '-v', '-r', `rtmp://127.0.0.1:${srv.port}/live/probe`, '-o', '/dev/null'], {
          stdio: 'ignore',
        }),
      );
      if (i % 50 === 49) await sleep(200);
    }
    if (probeJoins === 'last') await joinProbe();
    await sleep(WARMUP_MS + players * 10);
    measuring = true;
    await sleep(probeS * 1000);
    const s = pct(lat);
    const r = (x: number) => Math.round(x * 100) / 100;
    return { server: srv.name, players, samples: lat.length, p50: r(s.p50), p99: r(s.p99), max: r(s.max) };
  } finally {
    if (timer) clearInterval(timer);
    probe.sock?.destroy();
    pub.sock.destroy();
    for (const l of load) l.kill('SIGKILL');
  }
}

async function main() {
  const starters: Record<string, (port: number) => Promise<ServerUnderTest>> = {
    minirtc: (p) => startMiniRtc(work, p, process.env.BENCH_NODE_FLAGS ?? ''),
    'nginx-rtmp': (p) => startNginxRtmp(work, p),
    'node-media-server': (p) => startNms(work, p),
  };
  const rows: Row[] = [];
  let port = 19750;
  for (const players of Ps) {
    for (const name of servers) {
      const start = starters[name];
      if (!start) throw new Error(`unknown server ${name}`);
      process.stderr.write(`${name} players=${players} …\n`);
      const srv = await start(port);
      port += 10;
      try {
        const row = await runOne(srv, players);
        rows.push(row);
        process.stderr.write(`  ${JSON.stringify(row)}\n`);
      } finally {
        await srv.stop();
      }
    }
  }
  const lines = [
    '| server | players | samples | p50 ms | p99 ms | max ms |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.server} | ${r.players} | ${r.samples} | ${r.p50} | ${r.p99} | ${r.max} |`),
  ];
  const outDir = process.env.BENCH_OUT ?? new URL('./results/', import.meta.url).pathname;
  if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(
    join(outDir, `relay-latency-${stamp}.json`),
    JSON.stringify({ probeS, probeJoins, rows }, null, 2),
  );
  process.stdout.write(
    `\nrelay latency: publisher socket write → probe player arrival, ${probeS} s per run, the probe joined ${probeJoins}\n`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();

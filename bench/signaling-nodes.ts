/**
 * Signaling scale-out benchmark: logins per second and broadcast fan-out latency with one and with two
 * signaling nodes sharing a real `redis-server` (`state.redisUrl`), plus one in-memory node as the
 * baseline. Each node is `minirtc start` in its own process (RTMP, recording and mixing off, its own
 * in-memory SQLite, the dev app from one shared data dir); the load is `minirtc loadtest --server
 * a,b` in another process, which puts the k-th member of every room on node k mod n, so with two nodes
 * every 2-person room spans both and its broadcasts cross between them. Two scenarios: every user in
 * one room, and users in 2-person rooms; each run on fresh nodes and a fresh redis-server. See
 * BENCHMARKS.md.
 *
 *   npm run bench -- signaling-nodes                      # 1000 users, nodes memory,1,2
 *   BENCH_USERS=200 BENCH_NODES=1,2 npm run bench -- signaling-nodes
 *   BENCH_SCENARIOS=pairs BENCH_MESSAGES=3 npm run bench -- signaling-nodes
 *
 * BENCH_NODES lists the node setups: `memory` (one node, in-memory state), or a count of nodes on
 * Redis. A run whose broadcasts did not all arrive is reported as such (for example two nodes before
 * the state is shared through Redis: members on the other node are not in the room).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadtestServerFlags, readDevApp } from '@minirtc/cli';
import { type TestRedis, startRedis } from '@minirtc/testkit';
import { cpuSeconds } from './proc-stats.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const bin = join(root, 'packages/cli/src/bin.ts');
const setups = (process.env.BENCH_NODES ?? 'memory,1,2').split(',').map((s) => s.trim());
const users = Number(process.env.BENCH_USERS ?? 1000);
const rate = Number(process.env.BENCH_RATE ?? 1000);
const messages = Number(process.env.BENCH_MESSAGES ?? 5);
const scenarios = (process.env.BENCH_SCENARIOS ?? 'one-room,pairs').split(',').map((s) => s.trim());

/** One signaling node under test. */
interface NodeUnderTest {
  id: string;
  wsUrl: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** One (setup, scenario) run. */
interface Row {
  setup: string;
  nodes: number;
  state: 'memory' | 'redis';
  scenario: string;
  users: number;
  rooms: number;
  loggedIn: number;
  failed: number;
  loginsPerSecond: number;
  loginP50: number | null;
  loginP99: number | null;
  broadcastsSent: number;
  delivered: number;
  expected: number;
  fanoutP50: number | null;
  fanoutP99: number | null;
  /** CPU seconds each node spent during the run. */
  nodeCpuS: number[];
  errors: string[];
}

function cli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--conditions=source', '--import', 'tsx', bin, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** `minirtc start` as node `id`; resolves once it printed its signaling URL. */
async function startNode(id: string, dataDir: string, redisUrl: string | undefined): Promise<NodeUnderTest> {
  const proc = cli([
    'start',
    ...loadtestServerFlags(dataDir, users),
    '--nodeId',
    id,
    ...(redisUrl ? ['--state.redisUrl', redisUrl] : []),
  ]);
  let buf = '';
  const wsUrl = await new Promise<string>((resolve, reject) => {
    proc.stdout?.on('data', (d: Buffer) => {
      buf = (buf + d.toString()).slice(-8192);
      const m = /signaling\s+(ws:\/\/\S+)/.exec(buf);
      if (m?.[1]) resolve(m[1]);
    });
    proc.stderr?.on('data', (d: Buffer) => {
      buf = (buf + d.toString()).slice(-8192);
    });
    proc.once('exit', (code) => reject(new Error(`node ${id} exited (${code}): ${buf.slice(-800)}`)));
    setTimeout(
      () => reject(new Error(`node ${id} did not start in 60 s: ${buf.slice(-800)}`)),
      60_000,
    ).unref();
  });
  return {
    id,
    wsUrl,
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** Waits until every node answers `/readyz` (Redis reachable) before loading them. */
async function ready(nodes: NodeUnderTest[]): Promise<void> {
  for (const n of nodes) {
    const url = `${n.wsUrl.replace(/^ws/, 'http').replace(/\/ws$/, '')}/readyz`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await fetch(url).catch(() => null);
      if (r?.ok) break;
      if (Date.now() > deadline)
        throw new Error(`node ${n.id} not ready: ${r ? await r.text() : 'no answer'}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }
}

/** `minirtc loadtest --server … --json` in its own process; its JSON summary. */
function loadtest(
  nodes: NodeUnderTest[],
  app: { appID: number; serverSecret: string },
  rooms: number,
): Promise<Record<string, unknown>> {
  const p = cli([
    'loadtest',
    '--server',
    nodes.map((n) => n.wsUrl).join(','),
    '--app-id',
    String(app.appID),
    '--secret',
    app.serverSecret,
    '--users',
    String(users),
    '--rooms',
    String(rooms),
    '--rate',
    String(rate),
    '--messages',
    String(messages),
    '--json',
  ]);
  let out = '';
  let err = '';
  p.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  p.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
    const last = d.toString().trim().split('\n').at(-1);
    if (last) process.stderr.write(`  ${last}\n`);
  });
  return new Promise((resolve, reject) => {
    p.once('exit', (code) => {
      // Exit 1 means "not every login or broadcast made it": the figures still say how far it got.
      const start = out.indexOf('{');
      if ((code === 0 || code === 1) && start >= 0) resolve(JSON.parse(out.slice(start)));
      else reject(new Error(`loadtest exited ${code}: ${err.slice(-1500)}`));
    });
  });
}

type Pct = { p50: number; p99: number } | null;
const r1 = (x: number | null): number | null => (x === null ? null : Math.round(x * 10) / 10);

/** One scenario on one setup, on fresh nodes (and a fresh redis-server): nothing a previous run left is seen. */
async function runOne(setup: string, scenario: string, work: string): Promise<Row> {
  const onRedis = setup !== 'memory';
  const count = onRedis ? Number(setup) : 1;
  if (!Number.isInteger(count) || count < 1 || count > 8) throw new Error(`BENCH_NODES: bad entry ${setup}`);
  const dataDir = mkdtempSync(join(work, `nodes-${setup}-${scenario}-`));
  const nodes: NodeUnderTest[] = [];
  let redis: TestRedis | undefined;
  try {
    if (onRedis) redis = await startRedis();
    // One after the other: the first writes the dev app the others read from the shared data dir.
    for (let k = 0; k < count; k++)
      nodes.push(await startNode(`bench-${setup}-${k + 1}`, dataDir, redis?.url));
    await ready(nodes);
    const app = readDevApp(dataDir);
    if (!app) throw new Error('no dev app written');
    const rooms = scenario === 'pairs' ? Math.max(1, Math.floor(users / 2)) : 1;
    process.stderr.write(`${count} node(s), ${onRedis ? 'redis' : 'memory'}, ${scenario}: ${users} users\n`);
    const cpu0 = nodes.map((n) => cpuSeconds(n.proc.pid ?? 0));
    const s = await loadtest(nodes, app, rooms);
    const cpu1 = nodes.map((n) => cpuSeconds(n.proc.pid ?? 0));
    const login = s.login as Pct;
    const fanout = s.fanout as Pct;
    return {
      setup,
      nodes: count,
      state: onRedis ? 'redis' : 'memory',
      scenario,
      users,
      rooms,
      loggedIn: s.loggedIn as number,
      failed: s.failed as number,
      loginsPerSecond: r1(s.loginsPerSecond as number) ?? 0,
      loginP50: r1(login?.p50 ?? null),
      loginP99: r1(login?.p99 ?? null),
      broadcastsSent: s.broadcastsSent as number,
      delivered: s.broadcastDeliveries as number,
      expected: s.broadcastExpected as number,
      fanoutP50: r1(fanout?.p50 ?? null),
      fanoutP99: r1(fanout?.p99 ?? null),
      nodeCpuS: cpu1.map((c, i) => r1(c - (cpu0[i] ?? 0)) ?? 0),
      errors: s.errors as string[],
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'minirtc-bench-nodes-'));
  const rows: Row[] = [];
  try {
    for (const setup of setups)
      for (const scenario of scenarios) rows.push(await runOne(setup, scenario, work));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const ms = (x: number | null) => (x === null ? '–' : `${x}`);
  const lines = [
    `Signaling nodes: ${users} users, ${messages} broadcasts per room, logins asked at ${rate}/s`,
    '',
    '| nodes | state | scenario | logged in | logins/s | login p50 / p99 ms | broadcasts delivered | fan-out p50 / p99 ms | node CPU s |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.nodes} | ${r.state} | ${r.scenario} (${r.rooms} room${r.rooms === 1 ? '' : 's'}) | ${r.loggedIn}/${r.users} | ${r.loginsPerSecond} | ${ms(r.loginP50)} / ${ms(r.loginP99)} | ${r.delivered}/${r.expected} | ${ms(r.fanoutP50)} / ${ms(r.fanoutP99)} | ${r.nodeCpuS.join(' + ')} |`,
    ),
  ];
  for (const r of rows)
    for (const e of r.errors) lines.push(`error (${r.nodes} ${r.state} ${r.scenario}): ${e}`);
  console.log(lines.join('\n'));
  const outDir = process.env.BENCH_OUT ?? new URL('./results/', import.meta.url).pathname;
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(
    join(outDir, `signaling-nodes-${stamp}.json`),
    JSON.stringify({ users, rate, messages, rows }, null, 2),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

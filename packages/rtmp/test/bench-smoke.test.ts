import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'minirtc-bench-smoke-'));

/** Runs one benchmark mode the way `npm run bench` does, tiny, against our gateway only. */
function bench(
  mode: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', `bench/${mode}.ts`], {
      cwd: root,
      env: {
        ...process.env,
        BENCH_WINDOW_S: '1',
        BENCH_SOURCE_S: '3',
        BENCH_SERVERS: 'minirtc',
        BENCH_OUT: out,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

type ResultRow = Record<string, number | string>;

/** The JSON a bench mode wrote: its rows, and for `calls` the marginal call per server. */
function results(prefix: string): { rows: ResultRow[]; marginal?: ResultRow[] } {
  const f = readdirSync(out).find((n) => n.startsWith(prefix) && n.endsWith('.json'));
  assert.ok(f, `${prefix} results written`);
  return JSON.parse(readFileSync(join(out, f), 'utf8'));
}

// Smoke tests of the benchmark tooling so it cannot rot: tiny sizes, figures not judged (no timings).
describe('benchmark modes (smoke)', { concurrency: false }, () => {
  after(() => rmSync(out, { recursive: true, force: true }));

  it('calls: 1 and 2 calls, both sides receive, rows with CPU and RSS per call and the marginal call; the Node pass-through floor relays it', async () => {
    const r = await bench('calls', { BENCH_CALLS: '1,2', BENCH_SERVERS: 'minirtc,node-pipe' });
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    assert.match(r.stdout, /\| minirtc \| 1 \| \d\/2 \|/);
    assert.match(r.stdout, /\| minirtc \| 2 \| \d\/4 \|/);
    const { rows, marginal = [] } = results('calls-');
    // The slope from 1 to 2 calls, for each server measured at both.
    assert.deepEqual(
      marginal.map((m) => [String(m.server).split(' ')[0], m.from, m.to]),
      [
        ['minirtc', 1, 2],
        ['node-pipe', 1, 2],
      ],
    );
    for (const m of marginal)
      assert.ok(Number.isFinite(m.rssKBPerCall) && Number.isFinite(m.cpuPercentPerCall));
    const [row, pipe] = rows;
    assert.equal(row?.players, 2);
    assert.equal(typeof row?.cpuPerCallPercent, 'number');
    assert.equal(typeof row?.rssPerCallKB, 'number');
    // The publishers' handshakes went through it (else ffmpeg exits and the run fails) and so do bytes.
    assert.match(String(pipe?.server), /^node-pipe/);
    assert.equal(pipe?.players, 2);
    assert.ok(Number(pipe?.readsPerS) > 0 && Number(pipe?.writesPerS) > 0, JSON.stringify(pipe));
  });

  it('relay-latency: a probe player times the messages it receives', async () => {
    const r = await bench('relay-latency', { BENCH_PLAYERS: '1,2', BENCH_PROBE_S: '1' });
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const rows = results('relay-latency-').rows;
    assert.deepEqual(
      rows.map((x) => x.players),
      [1, 2],
    );
    for (const row of rows) {
      assert.ok(Number(row.samples) > 0, 'the probe received marked messages');
      assert.ok(Number(row.max) >= Number(row.p50));
    }
  });

  it('signaling-nodes: one node in memory, two on redis-server, every broadcast arrives (across nodes too)', async () => {
    const r = await bench('signaling-nodes', {
      BENCH_NODES: 'memory,2',
      BENCH_USERS: '4',
      BENCH_MESSAGES: '1',
    });
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const rows = results('signaling-nodes-').rows;
    assert.deepEqual(
      rows.map((x) => [x.nodes, x.state, x.scenario, x.rooms, x.loggedIn]),
      [
        [1, 'memory', 'one-room', 1, 4],
        [1, 'memory', 'pairs', 2, 4],
        [2, 'redis', 'one-room', 1, 4],
        [2, 'redis', 'pairs', 2, 4],
      ],
    );
    for (const row of rows) {
      assert.ok(Number(row.expected) > 0);
      // With two nodes each 2-person room has one member on each: these deliveries crossed nodes.
      assert.equal(row.delivered, row.expected, 'every broadcast reached every other member');
    }
  });

  it('fanout: 2 players receive; with BENCH_REPEAT the median run carries the CPU range', async () => {
    const r = await bench('fanout', { BENCH_N: '2', BENCH_REPEAT: '2' });
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const rows = results('fanout-').rows;
    assert.equal(rows.length, 1, 'one row per (server, N), not one per run');
    const [row] = rows;
    assert.equal(row?.players, 2);
    assert.equal(row?.playersReceiving, 2);
    const { cpuPercent, cpuRange } = row as unknown as { cpuPercent: number; cpuRange?: [number, number] };
    assert.ok(cpuRange && cpuRange[0] <= cpuPercent && cpuPercent <= cpuRange[1], JSON.stringify(row));
  });
});

/**
 * Start time and idle RSS of `minirtc start`: compiled JavaScript (packages/cli/dist/minirtc.js, plain
 * node) against the TypeScript sources through the tsx loader. Start time: spawn → the "signaling"
 * line on stdout (all ports bound). Idle RSS: VmRSS 3 s later, with nothing connected.
 * Run: node scripts/build-cli.mjs && node bench/start-rss.ts [rounds]   (Node ≥ 22.6 or via tsx)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

const variants: Record<string, string[]> = {
  compiled: ['packages/cli/dist/minirtc.js'],
  tsx: ['--conditions=source', '--import', 'tsx', 'packages/cli/src/bin.ts'],
};

async function once(args: string[]): Promise<{ ms: number; rssMb: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-bench-'));
  const t0 = process.hrtime.bigint();
  const p = spawn(
    process.execPath,
    [...args, 'start', '--port', '0', '--rtmp.port', '0', '--dataDir', dir, '--logLevel', 'warn'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    p.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (/signaling\s+ws/.test(out)) resolve();
    });
    p.once('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await delay(3000);
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await gone;
  rmSync(dir, { recursive: true, force: true });
  return { ms, rssMb: Number(rss?.[1] ?? 0) / 1024 };
}

const rounds = Number(process.argv[2] ?? 5);
const res: Record<string, { ms: number; rssMb: number }[]> = { compiled: [], tsx: [] };
for (let i = 0; i < rounds; i++) for (const [k, a] of Object.entries(variants)) res[k]!.push(await once(a));
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
for (const [k, v] of Object.entries(res)) {
  console.log(
    `${k.padEnd(8)} start median ${med(v.map((x) => x.ms)).toFixed(0)} ms (min ${Math.min(...v.map((x) => x.ms)).toFixed(0)}), idle RSS median ${med(v.map((x) => x.rssMb)).toFixed(1)} MB`,
  );
}

/**
 * REST latency: one MiniRTC server in a child process, a client loop of sequential and concurrent
 * `GET /api/v1/apps/:appID/rooms` (admin key) over keep-alive. Prints p50/p99 and requests/s.
 * Run: node --conditions=source --import tsx bench/rest-latency.ts [requests]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { request, Agent } from 'node:http';

const ADMIN = 'bench-admin-key-0123456789';
const APP = 1234567;

async function serve(): Promise<void> {
  const { MiniRtcServer, MemoryAppStore } = await import('@minirtc/server');
  const apps = new MemoryAppStore([{ appID: APP, serverSecret: 'fa94dd0f974cf2e293728a526b028271' }]);
  const s = new MiniRtcServer({ port: 0, apps, adminKey: ADMIN, bitrateSampleMs: 0 });
  await s.listen();
  process.stdout.write(`PORT ${s.port}\n`);
  process.on('SIGTERM', () => void s.close().then(() => process.exit(0)));
}

function get(agent: Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request(
      { host: '127.0.0.1', port, path, agent, headers: { authorization: `Bearer ${ADMIN}` } },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
          else resolve(Number(process.hrtime.bigint() - t0) / 1e6);
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 3000);
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buf = '';
  while (!/PORT (\d+)/.test(buf)) buf += String((await once(child.stdout!, 'data'))[0]);
  const port = Number(/PORT (\d+)/.exec(buf)![1]);
  const path = `/api/v1/apps/${APP}/rooms`;
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  for (let i = 0; i < 300; i++) await get(agent, port, path); // warm-up
  const seq: number[] = [];
  for (let i = 0; i < n; i++) seq.push(await get(agent, port, path));
  const conc: number[] = [];
  const t0 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next++ < n) conc.push(await get(agent, port, path));
    }),
  );
  const rps = Math.round((n / (Date.now() - t0)) * 1000);
  const f = (x: number) => x.toFixed(3);
  console.log(
    `sequential n=${n}: p50 ${f(pct(seq, 50))} ms, p99 ${f(pct(seq, 99))} ms; ` +
      `10 concurrent: p50 ${f(pct(conc, 50))} ms, p99 ${f(pct(conc, 99))} ms, ${rps} req/s`,
  );
  agent.destroy();
  child.kill('SIGTERM');
}

if (process.argv.includes('--serve')) await serve();
else await main();

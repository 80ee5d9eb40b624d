/**
 * Webhook delivery throughput: a backlog of N events in R rooms drained to a loopback receiver, by
 * the SQLite dispatcher, and by one and two PostgreSQL dispatchers (each with its own pool and LISTEN
 * connection, as two nodes would have) sharing one outbox. Also the enqueue rate into PostgreSQL
 * (write-behind, per-room advisory locks). Everything runs in this process on loopback.
 * Run: node --conditions=source --import tsx bench/webhooks-pg.ts [events] [rooms]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryAppStore } from '../packages/server/src/app-store.js';
import { silentLogger } from '../packages/server/src/logger.js';
import { openDatabase } from '../packages/server/src/store/database.js';
import { openPostgres } from '../packages/server/src/store/pg-database.js';
import { PgListener } from '../packages/server/src/store/pg-listener.js';
import { WebhookDispatcher } from '../packages/server/src/webhooks/dispatcher.js';
import { Outbox } from '../packages/server/src/webhooks/outbox.js';
import { PgWebhookDispatcher } from '../packages/server/src/webhooks/pg-dispatcher.js';
import { PgOutbox, WEBHOOK_CHANNEL } from '../packages/server/src/webhooks/pg-outbox.js';
import { startPostgres } from '../packages/testkit/src/postgres.js';

const N = Number(process.argv[2] ?? 3000);
const ROOMS = Number(process.argv[3] ?? 100);
const APP = 1234567;

let got = 0;
let onGot: (() => void) | null = null;
const rx = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.end('ok');
    got++;
    onGot?.();
  });
});
await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
const apps = new MemoryAppStore([
  {
    appID: APP,
    serverSecret: '0123456789abcdef0123456789abcdef',
    callbackSecret: 'fedcba9876543210fedcba9876543210',
    callbackUrl: `http://127.0.0.1:${(rx.address() as AddressInfo).port}/`,
  },
]);
const opts = { concurrency: 8, allowPrivateDestinations: true };

function drained(target: number): Promise<void> {
  return new Promise((resolve) => {
    onGot = () => {
      if (got >= target) resolve();
    };
    onGot();
  });
}

function fill(enqueue: (room: string, n: number) => void): void {
  for (let i = 0; i < N; i++) enqueue(`${APP}/r${i % ROOMS}`, i);
}

const rows: string[] = [];
const report = (what: string, ms: number, n = N): void => {
  rows.push(`| ${what} | ${n} | ${Math.round(ms)} | ${Math.round((n / ms) * 1000)} |`);
};

// SQLite baseline.
{
  const db = openDatabase(':memory:');
  const o = new Outbox(db);
  fill((k, n) => o.enqueue(APP, k, 'custom', { room_id: k, n }));
  got = 0;
  const t0 = performance.now();
  const d = new WebhookDispatcher(o, apps, silentLogger, () => {}, opts);
  d.kick();
  await drained(N);
  report('SQLite, 1 dispatcher: drain', performance.now() - t0);
  await d.close();
  db.close();
}

const pg = await startPostgres();
try {
  for (const nodes of [1, 2]) {
    const url = pg.createDatabase(`bench_${nodes}`);
    const pool = await openPostgres(url);
    const outbox = new PgOutbox(pool, silentLogger);
    const t0 = performance.now();
    fill((k, n) => outbox.enqueue(APP, k, 'custom', { room_id: k, n }));
    await outbox.flush();
    if (nodes === 1) report('PostgreSQL: enqueue (committed)', performance.now() - t0);
    const parts = await Promise.all(
      Array.from({ length: nodes }, async () => {
        const p = await openPostgres(url);
        const l = new PgListener(url, [WEBHOOK_CHANNEL]);
        await l.start();
        return { p, l, d: new PgWebhookDispatcher(p, l, apps, silentLogger, () => {}, opts) };
      }),
    );
    got = 0;
    const t1 = performance.now();
    for (const x of parts) x.d.kick();
    await drained(N);
    report(`PostgreSQL, ${nodes} dispatcher${nodes > 1 ? 's' : ''}: drain`, performance.now() - t1);
    for (const x of parts) {
      await x.d.close();
      await x.l.close();
      await x.p.end();
    }
    await outbox.close();
    await pool.end();
  }
} finally {
  await pg.stop();
  rx.close();
}
console.log(`${N} events in ${ROOMS} rooms, concurrency 8 per dispatcher\n`);
console.log('| run | events | ms | events/s |\n|---|---|---|---|');
for (const r of rows) console.log(r);

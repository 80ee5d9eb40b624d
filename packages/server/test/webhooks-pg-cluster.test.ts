import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type TestPostgres, startPostgres } from '@minirtc/testkit';
import { silentLogger } from '../src/logger.js';
import { type PgPool, openPostgres } from '../src/store/pg-database.js';
import { PgOutbox } from '../src/webhooks/pg-outbox.js';

const NODE = fileURLToPath(new URL('./fixtures/pg-dispatcher-node.ts', import.meta.url));
const APP = 1_234_567;
const ROOMS = 6;
const PER_ROOM = 40;
const CONCURRENCY = 4;

interface Hit {
  from: string;
  id: string;
  room: string;
  n: number;
  at: number;
}

/** A webhook receiver that tells the two dispatchers apart by path and can hold its answers. */
class HoldingReceiver {
  readonly hits: Hit[] = [];
  readonly held: Array<{ hit: Hit; res: ServerResponse }> = [];
  holding = true;
  #waiters: Array<{ pred: () => boolean; resolve: () => void }> = [];
  readonly #server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const b = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        id: string;
        room_id: string;
        n: number;
      };
      const hit = { from: (req.url ?? '').slice(1), id: b.id, room: b.room_id, n: b.n, at: Date.now() };
      this.hits.push(hit);
      if (this.holding) this.held.push({ hit, res });
      else res.end('ok');
      this.#check();
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Answers every held request (200) and stops holding. */
  release(): void {
    this.holding = false;
    for (const h of this.held.splice(0)) h.res.end('ok');
  }

  until(pred: () => boolean, what: string, ms = 30_000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      this.#waiters.push({
        pred,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      });
    });
  }

  #check(): void {
    for (const w of [...this.#waiters]) {
      if (w.pred()) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  close(): void {
    this.#server.closeAllConnections();
    this.#server.close();
  }
}

function startDispatcher(url: string, callbackUrl: string): Promise<ChildProcess> {
  const p = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      NODE,
      JSON.stringify({ url, appID: APP, callbackUrl, concurrency: CONCURRENCY }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    p.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('ready')) resolve(p);
    });
    p.once('exit', (code) => reject(new Error(`dispatcher exited (${code})`)));
  });
}

function exited(p: ChildProcess): Promise<void> {
  return new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())));
}

async function pending(pool: PgPool): Promise<number> {
  const r = await pool.query<{ n: number }>(
    'SELECT COUNT(*)::bigint AS n FROM webhook_events WHERE delivered_at IS NULL AND dead = 0',
  );
  return Number(r.rows[0]?.n);
}

describe('webhooks on PostgreSQL: two dispatcher processes, one outbox', () => {
  let pg: TestPostgres;
  const rx = new HoldingReceiver();
  const children: ChildProcess[] = [];

  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map(exited));
    rx.release();
    rx.close();
    await pg?.stop();
  });

  it('delivers every event, each room in order; kill -9 of one re-sends only its attempts in flight', async () => {
    const base = await rx.listen();
    const url = pg.createDatabase('hooks_cluster_run');
    const runPool = await openPostgres(url);
    const runOutbox = new PgOutbox(runPool, silentLogger);
    try {
      const rooms = Array.from({ length: ROOMS }, (_, i) => `room-${i}`);
      for (let n = 0; n < PER_ROOM; n++)
        for (const r of rooms) runOutbox.enqueue(APP, `${APP}/${r}`, 'custom', { room_id: r, n });
      await runOutbox.flush();

      // Both dispatchers up while every answer is held: they split the room heads between them.
      const a = await startDispatcher(url, `${base}/A`);
      children.push(a);
      await rx.until(() => rx.held.length === CONCURRENCY, 'A to claim its share');
      const b = await startDispatcher(url, `${base}/B`);
      children.push(b);
      await rx.until(() => rx.held.length === ROOMS, 'B to claim the other room heads');
      const first = rx.held.map((h) => h.hit);
      assert.equal(new Set(first.map((h) => h.room)).size, ROOMS, 'one head per room, none claimed twice');
      assert.ok(
        first.every((h) => h.n === 0),
        'the heads are the rooms’ first events',
      );
      assert.deepEqual(new Set(first.map((h) => h.from)), new Set(['A', 'B']), 'both dispatchers work');
      rx.release();

      // Mid-run, hold again until every unfinished room's head is in flight, some of them on A.
      await rx.until(() => rx.hits.length >= (ROOMS * PER_ROOM) / 3, 'a third of the events');
      rx.holding = true;
      const unfinished = (): number =>
        rooms.filter((r) => !rx.hits.some((h) => h.room === r && h.n === PER_ROOM - 1)).length;
      await rx.until(
        () => rx.held.length === unfinished() && rx.held.some((h) => h.hit.from === 'A'),
        'every unfinished room in flight, some on A',
      );
      const killedAt = Date.now();
      const inflightA = new Set(rx.held.filter((h) => h.hit.from === 'A').map((h) => h.hit.id));
      a.kill('SIGKILL');
      await exited(a);
      rx.release();

      // More events after the kill: the survivor hears of them (NOTIFY), nobody polls for them here.
      for (const r of rooms) runOutbox.enqueue(APP, `${APP}/${r}`, 'custom', { room_id: r, n: PER_ROOM });
      await runOutbox.flush();
      const total = ROOMS * (PER_ROOM + 1);
      await rx.until(() => new Set(rx.hits.map((h) => h.id)).size === total, 'every event at least once');
      // The last answers are committed a moment after they are sent.
      for (let i = 0; i < 200 && (await pending(runPool)) > 0; i++) await new Promise((r) => setImmediate(r));
      assert.equal(await pending(runPool), 0, 'nothing left pending');

      // Duplicates: only what A had in flight when it was killed, each sent again by B afterwards.
      const byId = new Map<string, Hit[]>();
      for (const h of rx.hits) byId.set(h.id, [...(byId.get(h.id) ?? []), h]);
      const dups = [...byId.entries()].filter(([, hs]) => hs.length > 1);
      // Every room's head was held when A died: nothing of A's was answered and left uncommitted.
      assert.deepEqual(new Set(dups.map(([id]) => id)), inflightA, 'exactly A’s attempts in flight repeat');
      for (const [id, hs] of dups) {
        assert.equal(hs.length, 2, `event ${id} sent at most twice`);
        assert.equal(hs[0]?.from, 'A', 'first by the killed dispatcher');
        assert.equal(hs[1]?.from, 'B', 'then by the survivor');
        assert.ok((hs[1]?.at ?? 0) >= killedAt, 'after the kill');
      }

      // Per room: arrivals in order, a re-sent attempt directly after its first copy.
      for (const r of rooms) {
        const ns = rx.hits.filter((h) => h.room === r).map((h) => h.n);
        const collapsed = ns.filter((n, i) => i === 0 || n !== ns[i - 1]);
        assert.deepEqual(
          collapsed,
          Array.from({ length: PER_ROOM + 1 }, (_, i) => i),
          `room ${r} in order`,
        );
      }
      const fromA = rx.hits.filter((h) => h.from === 'A').length;
      const fromB = rx.hits.filter((h) => h.from === 'B').length;
      assert.ok(fromA > 0 && fromB > 0, `both delivered (A ${fromA}, B ${fromB})`);
    } finally {
      await runOutbox.close();
      await runPool.end();
    }
  });
});

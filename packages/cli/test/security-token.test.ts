/**
 * Security suite — token forgery (issue 8, item 1). The CBC padding oracle: logins with a token whose
 * IV's last byte takes all 256 values (one of them makes the padding valid, the others do not) get
 * byte-identical replies; a sustained attempt from one address is stopped by the failed-login budget.
 * A canary call keeps decoding frames throughout.
 */
import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@minirtc/protocol';
import { generateToken04 } from '@minirtc/protocol/crypto';
import WebSocket from 'ws';
import type { Platform } from '../src/platform.js';
import { APP_ID, type Canary, SECRET, startCanary, startNode } from './security-helpers.js';

/** A raw WebSocket client that sees every reply as the exact text frame the server sent. */
class RawWs {
  readonly ws: WebSocket;
  readonly frames: string[] = [];
  #wait: ((s: string) => void) | null = null;
  readonly closed: Promise<number>;
  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('error', () => {});
    this.ws.on('message', (d) => {
      const s = String(d);
      if (s.includes('"hello"')) return;
      if (this.#wait) {
        const w = this.#wait;
        this.#wait = null;
        w(s);
      } else this.frames.push(s);
    });
    this.closed = new Promise((resolve) => this.ws.on('close', (code) => resolve(code)));
  }
  async open(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) return;
    await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }
  /** Sends a login with reqId 7 and resolves with the raw reply text. */
  login(token: string, userID: string): Promise<string> {
    const reply = new Promise<string>((resolve, reject) => {
      const queued = this.frames.shift();
      if (queued !== undefined) return resolve(queued);
      this.#wait = resolve;
      setTimeout(() => reject(new Error('no reply within 5 s')), 5000).unref();
    });
    this.ws.send(
      JSON.stringify({ type: 'login', reqId: 7, appID: APP_ID, roomID: 'oracle', token, user: { userID } }),
    );
    return reply;
  }
}

/** token04 fields (CBC): expire | ivLen | iv | cLen | cipher. */
function parts(token: string): { head: Buffer; iv: Buffer; cipher: Buffer } {
  const b = Buffer.from(token.slice(2), 'base64');
  const ivLen = b.readUInt16BE(8);
  const iv = b.subarray(10, 10 + ivLen);
  const cLen = b.readUInt16BE(10 + ivLen);
  return { head: b.subarray(0, 8), iv, cipher: b.subarray(12 + ivLen, 12 + ivLen + cLen) };
}

/** The oracle probe: the token's first ciphertext block alone, under an IV whose last byte is `v`. */
function probe(head: Buffer, iv: Buffer, block: Buffer, v: number): string {
  const iv2 = Buffer.from(iv);
  iv2[15] = v;
  const lenIv = Buffer.alloc(2);
  lenIv.writeUInt16BE(16);
  const lenC = Buffer.alloc(2);
  lenC.writeUInt16BE(16);
  return `04${Buffer.concat([head, lenIv, iv2, lenC, block]).toString('base64')}`;
}

/** Whether the probe's plaintext has valid PKCS#7 padding (what the old server leaked). */
function paddingValid(iv: Buffer, block: Buffer, v: number): boolean {
  const d = createDecipheriv('aes-256-cbc', Buffer.from(SECRET), Buffer.alloc(16));
  d.setAutoPadding(false);
  const plain = Buffer.concat([d.update(block), d.final()]);
  for (let i = 0; i < 16; i++) plain[i] = (plain[i] as number) ^ (i === 15 ? v : (iv[i] as number));
  const n = plain[15] as number;
  return n >= 1 && n <= 16 && plain.subarray(16 - n).every((x) => x === n);
}

describe('security: token padding oracle and failed-login budget', { timeout: 180_000 }, () => {
  let node: Platform;
  let canary: Canary;
  before(async () => {
    // Room for the 256 probes from one address; the budget then stops the attempt at 300.
    node = await startNode({
      'security.loginFailureBurstPerAddress': '300',
      // The app's own budget (which answers failures with the rate-limit code but never locks out
      // valid logins) is raised so the per-address budget is what this test sees.
      'security.loginFailureBurstPerApp': '100000',
    });
    canary = await startCanary(node.server.wsUrl, APP_ID, SECRET);
  });
  after(async () => {
    await canary?.close();
    await node?.close();
  });

  it('all 256 values of the last IV byte get byte-identical replies; the budget stops the attempt', async (t) => {
    const own = generateToken04({
      appID: APP_ID,
      userID: 'mallory',
      secret: SECRET,
      ttlSeconds: 600,
      mode: 'cbc',
    });
    const { head, iv, cipher } = parts(own);
    const block = cipher.subarray(0, 16);
    const framesBefore = canary.frames();
    const c = new RawWs(node.server.wsUrl);
    await c.open();
    const replies = new Map<string, number[]>();
    const ms: Record<'valid' | 'invalid', number[]> = { valid: [], invalid: [] };
    for (let v = 0; v < 256; v++) {
      const t0 = performance.now();
      const r = await c.login(probe(head, iv, block, v), 'mallory');
      ms[paddingValid(iv, block, v) ? 'valid' : 'invalid'].push(performance.now() - t0);
      replies.set(r, [...(replies.get(r) ?? []), v]);
    }
    assert.ok(ms.valid.length >= 1, 'at least one probe had valid padding (the oracle case)');
    assert.equal(replies.size, 1, `one reply for every probe: ${[...replies.keys()].join(' | ')}`);
    const [only] = [...replies.keys()];
    assert.deepEqual(JSON.parse(only as string), {
      type: 'res',
      reqId: 7,
      code: ErrorCode.TOKEN_MALFORMED,
      message: 'token is invalid',
    });
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    t.diagnostic(
      `reply time, valid padding: mean ${mean(ms.valid).toFixed(2)} ms (n=${ms.valid.length}); invalid: mean ${mean(ms.invalid).toFixed(2)} ms, min ${Math.min(...ms.invalid).toFixed(2)}, max ${Math.max(...ms.invalid).toFixed(2)} (n=${ms.invalid.length})`,
    );

    // Sustained: the same address keeps failing until its budget (300 here, 20 by default) is spent.
    let sent = 256;
    let last = '';
    while (sent < 400) {
      last = await c.login(probe(head, iv, block, sent % 256), 'mallory');
      sent++;
      if (JSON.parse(last).code !== ErrorCode.TOKEN_MALFORMED) break;
    }
    assert.equal(JSON.parse(last).code, ErrorCode.RATE_LIMITED, `refused after ${sent} attempts`);
    // 300 at once plus the refill (10 a minute) earned during the run.
    assert.ok(sent <= 310, `stopped within the budget (${sent})`);
    assert.equal(await c.closed, 4003, 'the connection is closed after the rate-limit reply');

    // A fresh connection from the same address is refused before its token is even looked at.
    const again = new RawWs(node.server.wsUrl);
    await again.open();
    const valid = generateToken04({ appID: APP_ID, userID: 'mallory', secret: SECRET, ttlSeconds: 600 });
    assert.equal(JSON.parse(await again.login(valid, 'mallory')).code, ErrorCode.RATE_LIMITED);
    assert.equal(await again.closed, 4003);

    // The canary call never noticed.
    await canary.moreFrames(25);
    const sentMsg = await canary.publisher.sendBroadcastMessage('canary-room', 'still here');
    assert.equal(sentMsg.errorCode, 0);
    t.diagnostic(
      `canary: ${canary.frames() - framesBefore} video frames decoded during the oracle + budget attack (${sent} logins)`,
    );
    const metrics = await (await fetch(`${node.server.httpUrl}/metrics`)).text();
    assert.match(metrics, /minirtc_security_refusals_total\{reason="login_budget_address"\} [1-9]/);
  });
});

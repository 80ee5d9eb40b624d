/**
 * Security suite — crash restart (issue 8, item 9): `minirtc start` is killed with SIGKILL while
 * three users sit in two rooms; after a restart on the same data directory the app's callback gets
 * each user's `room_logout` and each room's `room_close`, reason `server_restart`, from the durable
 * presence record.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { generateToken04 } from '@minirtc/protocol/crypto';
import { ZegoExpressEngine } from '@minirtc/sdk';
import { type NodeProcess, spawnNode } from './security-helpers.js';

type Hook = { event: string; room_id?: string; user_account?: string; reason?: string };

describe('security: crash restart', { timeout: 180_000 }, () => {
  const hooks: Hook[] = [];
  let waiter: (() => void) | null = null;
  let receiver: Server;
  let node: NodeProcess | undefined;
  const engines: ZegoExpressEngine[] = [];
  after(async () => {
    for (const e of engines) e.destroyEngine();
    await node?.stop();
    receiver?.close();
  });

  it('users and rooms open at a kill -9 get room_logout / room_close (server_restart) after the restart', async (t) => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        hooks.push(JSON.parse(body) as Hook);
        waiter?.();
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    const until = (pred: () => boolean, what: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${what}: ${JSON.stringify(hooks)}`)),
          30_000,
        );
        waiter = () => {
          if (!pred()) return;
          clearTimeout(timer);
          waiter = null;
          resolve();
        };
        waiter();
      });

    const dataDir = mkdtempSync(join(tmpdir(), 'minirtc-sec-crash-'));
    // The receiver is on loopback: the operator allows private destinations for it.
    const flags = { 'security.webhookAllowPrivate': 'true', 'webhooks.retryBaseMs': '50' };
    node = await spawnNode(dataDir, flags);
    const set = await fetch(`${node.http}/api/v1/apps/${node.appID}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${node.adminKey}` },
      body: JSON.stringify({ callbackUrl: hookUrl }),
    });
    assert.equal(set.status, 200);
    const members: [string, string][] = [
      ['crash-a', 'alice'],
      ['crash-a', 'bob'],
      ['crash-b', 'carol'],
    ];
    for (const [room, user] of members) {
      const zg: ZegoExpressEngine = new ZegoExpressEngine(node.appID, node.ws);
      engines.push(zg);
      const token = generateToken04({
        appID: node.appID,
        userID: user,
        secret: node.secret,
        ttlSeconds: 600,
      });
      assert.equal(await zg.loginRoom(room, token, { userID: user }), true);
    }
    await until(() => hooks.filter((h) => h.event === 'room_login').length === 3, 'the three room_login');

    node.proc.kill('SIGKILL');
    await node.exited;
    for (const e of engines.splice(0)) e.destroyEngine();
    node = await spawnNode(dataDir, flags);

    await until(
      () => hooks.filter((h) => h.event === 'room_close' && h.reason === 'server_restart').length === 2,
      'room_close after the restart',
    );
    const logouts = hooks
      .filter((h) => h.event === 'room_logout')
      .map((h) => [h.room_id, h.user_account, h.reason])
      .sort();
    assert.deepEqual(logouts, [
      ['crash-a', 'alice', 'server_restart'],
      ['crash-a', 'bob', 'server_restart'],
      ['crash-b', 'carol', 'server_restart'],
    ]);
    // Per room, every logout comes before the close.
    for (const room of ['crash-a', 'crash-b']) {
      const order = hooks.filter((h) => h.room_id === room).map((h) => h.event);
      assert.equal(order.at(-1), 'room_close', `${room}: ${order.join(',')}`);
    }
    t.diagnostic(`crash: ${logouts.length} room_logout + 2 room_close delivered after kill -9 and restart`);
  });
});

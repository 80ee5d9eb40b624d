import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TestRedis, startRedis } from '@minirtc/testkit';
import { loadConfig } from '../src/config.js';
import { consoleLogger } from '../src/logger.js';
import { type Platform, startPlatform } from '../src/platform.js';

const NODE = 'cli-node-3';

// The configuration keys `nodeId` and `state.redisUrl` as `minirtc start` wires them: the node's
// identity in its pino lines (once each) and metrics, Redis among its readiness checks.
describe('nodeId and state.redisUrl in a started platform', () => {
  let redis: TestRedis;
  let platform: Platform;
  const dataDir = mkdtempSync(join(tmpdir(), 'minirtc-node-identity-'));
  const lines: string[] = [];
  before(async () => {
    redis = await startRedis();
    const config = loadConfig({
      flags: {
        port: '0',
        'rtmp.port': '0',
        opsPort: '0',
        dataDir,
        nodeId: NODE,
        'state.redisUrl': redis.url,
      },
    });
    platform = await startPlatform(config, {
      logger: consoleLogger('info', { write: (s: string) => lines.push(s) }),
    });
  });
  after(async () => {
    await platform?.close();
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes the node once into every log line', () => {
    assert.ok(lines.length >= 1, 'some lines');
    for (const l of lines) {
      assert.equal(JSON.parse(l).node, NODE, l);
      assert.equal(l.split('"node":').length, 2, `one node field: ${l}`);
    }
    assert.ok(lines.some((l) => JSON.parse(l).msg === 'signaling server listening'));
  });

  it('labels the metrics with the node and is ready with Redis up', async () => {
    const ops = platform.server.opsUrl as string;
    const metrics = await (await fetch(`${ops}/metrics`)).text();
    assert.match(metrics, new RegExp(`^minirtc_sessions\\{node="${NODE}"\\} 0$`, 'm'));
    const r = await fetch(`${ops}/readyz`);
    const body = (await r.json()) as { ready: boolean; checks: { name: string }[] };
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.deepEqual(body.checks.map((c) => c.name).sort(), ['database', 'redis', 'redis-media']);
  });
});

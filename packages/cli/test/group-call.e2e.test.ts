/**
 * Issue 15 acceptance (group call): `minirtc simulate --scenario examples/alipay-group-call/scenario.yaml`
 * as a real process, with group mixing on for `group-` rooms: three simulated phones each publish and
 * each decodes its own mix of the other two.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';

const bin = new URL('../bin/minirtc.mjs', import.meta.url).pathname;
const scenario = new URL('../../../examples/alipay-group-call/scenario.yaml', import.meta.url).pathname;

describe('examples/alipay-group-call in the simulator', () => {
  it('three users: each publishes and decodes its mix of the others', { timeout: 150_000 }, async () => {
    const p = spawn(process.execPath, [bin, 'simulate', '--scenario', scenario, '--quiet'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MINIRTC_MIXING_GROUP_ROOM_PREFIXES: 'group-' },
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        p.kill('SIGKILL');
        reject(new Error(`simulate did not finish:\n${out}`));
      }, 140_000);
      p.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.equal(code, 0, out);
    assert.match(out, /== summary: room group-call-1, [\d.]+ s, PASSED/);
    for (const user of ['alice', 'bob', 'carol']) {
      const line = out.split('\n').find((l) => l.startsWith(`${user} `) && /\b(PASS|FAIL)\b/.test(l));
      assert.ok(line, `no summary row for ${user}:\n${out}`);
      const cols = line.split(/\s{2,}/);
      assert.equal(cols[1], 'PASS', line);
      assert.match(cols[3] ?? '', /\b3800\b.*\b3802\b/, `${user} pushed and played: ${line}`);
      assert.ok(Number(cols[4]) >= 40, `${user} decoded ${cols[4]} frames of its mix`);
    }
  });
});

/**
 * `minirtc simulate --scenario` as a team's CI runs it: a real process with an embedded platform, the
 * example call apps unchanged, real ffmpeg pushing and pulling through every simulated <rtc-room>, and
 * a verdict in the exit code. One example after another, to keep the 2-core machine's load bounded.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const bin = new URL('../bin/minirtc.mjs', import.meta.url).pathname;
const examples = new URL('../../../examples/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'minirtc-scenarios-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the CLI to its end (bounded) and returns its exit code and output. */
function simulate(args: string[], boundMs = 90_000): Promise<{ code: number | null; out: string }> {
  const p = spawn(process.execPath, [bin, 'simulate', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`simulate did not finish within ${boundMs} ms:\n${out}`));
    }, boundMs);
    p.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** The summary's row of `user`: result, steps, codes, frames. */
function row(out: string, user: string): string[] {
  const line = out.split('\n').find((l) => l.startsWith(`${user} `) && /\b(PASS|FAIL)\b/.test(l));
  assert.ok(line, `no summary row for ${user}:\n${out}`);
  return line.split(/\s{2,}/);
}

describe('minirtc simulate --scenario (examples, real server and ffmpeg)', () => {
  for (const [example, publisher, player] of [
    ['alipay-1v1', 'alice', 'bob'],
    ['multi-page-call', 'alice', 'bob'],
    ['settings-call', 'alice', 'bob'],
    ['esm-utils-call', 'alice', 'bob'],
  ] as const) {
    it(`${example}: every user passes, media decoded, exit 0`, { timeout: 120_000 }, async () => {
      const { code, out } = await simulate([
        '--scenario',
        join(examples, example, 'scenario.yaml'),
        '--quiet',
      ]);
      assert.equal(code, 0, out);
      assert.match(out, /== summary: room scenario-\w+, [\d.]+ s, PASSED/);
      const pub = row(out, publisher);
      const play = row(out, player);
      assert.equal(pub[1], 'PASS');
      assert.match(pub[3]!, /\b3800\b/);
      assert.equal(play[1], 'PASS');
      assert.match(play[3]!, /\b3802\b/);
      assert.ok(Number(play[4]) >= 50, `frames decoded: ${play[4]}`);
      assert.match(play[6]!, /^\d+\.\d\d s$/, 'time to first frame');
      assert.doesNotMatch(out, /app error/);
    });
  }

  it('a step that finds nothing fails the run (exit 1) and shows what the page shows', {
    timeout: 60_000,
  }, async () => {
    const file = join(tmp, 'missing-button.yaml');
    writeFileSync(
      file,
      [
        `app: ${join(examples, 'alipay-1v1')}`,
        'timeout: 2s',
        'users:',
        '  alice:',
        '    steps:',
        '      - tap: 挂断电话',
      ].join('\n'),
    );
    const { code, out } = await simulate(['--scenario', file, '--quiet']);
    assert.equal(code, 1, out);
    assert.match(out, /alice\s+FAIL\s+0\/1/);
    assert.match(
      out,
      /alice: FAILED step 1 \{tap: "挂断电话"\}: no tappable element '挂断电话'.*the page shows: "加入房间\(推流\) 加入房间\(不推流\)/,
    );
  });

  it('--device-rules: the ws:// server is refused with error 20 and the call fails (exit 1)', {
    timeout: 60_000,
  }, async () => {
    const file = join(tmp, 'device-rules.yaml');
    writeFileSync(
      file,
      [
        `app: ${join(examples, 'alipay-1v1')}`,
        'timeout: 3s',
        'users:',
        '  alice:',
        '    steps:',
        '      - tap: 加入房间(推流)',
        '      - wait: { code: 3800 }',
      ].join('\n'),
    );
    const { code, out } = await simulate(['--scenario', file, '--quiet', '--device-rules']);
    assert.equal(code, 1, out);
    assert.match(
      out,
      /\[alice\] warning: refused ws:\/\/127\.0\.0\.1:\d+: the device allows sockets over wss:\/\/ only \(error 20/,
    );
    assert.match(
      out,
      /alice: FAILED step 2 \{wait: \{code: 3800\}\}: did not happen within 3000 ms; codes seen: none/,
    );
  });

  it('--duration without a scenario: the taps run, the call stays up, then a summary and exit 0', {
    timeout: 60_000,
  }, async () => {
    const { code, out } = await simulate([
      join(examples, 'alipay-1v1'),
      '--users',
      '2',
      '--taps',
      '加入房间(推流)|加入房间(不推流)',
      '--duration',
      '2s',
      '--quiet',
    ]);
    assert.equal(code, 0, out);
    const m = /== summary: room room1, ([\d.]+) s, PASSED/.exec(out);
    assert.ok(m && Number(m[1]) >= 2, out);
    assert.equal(row(out, 'user1')[2], '1/1');
    assert.equal(row(out, 'user2')[2], '1/1');
  });

  it('--help prints the usage', async () => {
    const { code, out } = await simulate(['--help']);
    assert.equal(code, 0);
    assert.match(out, /--scenario <file>/);
    assert.match(out, /--device-rules/);
    assert.match(out, /--duration <d>/);
  });
});

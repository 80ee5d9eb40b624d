/**
 * `minirtc simulate examples/alipay-1v1 --users 2` as a real process: an embedded platform, two
 * simulated phones tapping the article's buttons, user1 publishing and user2 playing real media.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';

const bin = new URL('../bin/minirtc.mjs', import.meta.url).pathname;
const example = new URL('../../../examples/alipay-1v1', import.meta.url).pathname;

describe('minirtc simulate', () => {
  it('runs the 1v1 example: user1 pushes (3800), user2 plays it (3802, first frame)', {
    timeout: 120_000,
  }, async () => {
    assert.ok(
      existsSync(`${example}/libs/ZegoExpressMiniProgram.js`),
      'scripts/build.sh puts the SDK bundle into libs/',
    );
    const p = spawn(
      process.execPath,
      [
        bin,
        'simulate',
        example,
        '--users',
        '2',
        '--room',
        'sim-room',
        '--taps',
        '加入房间(推流)|加入房间(不推流)',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    p.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
    try {
      await new Promise<void>((resolve, reject) => {
        p.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (
            /\[user1\] rtmpEvent: .* 3800/.test(out) &&
            /\[user2\] rtmpEvent: .* 3802/.test(out) &&
            /\[user2\] firstRender/.test(out)
          ) {
            resolve();
          }
        });
        void exited.then((c) => reject(new Error(`simulate exited ${c}:\n${out}\n${err}`)));
      });
      assert.match(out, /embedded platform: ws:\/\/127\.0\.0\.1:\d+\/ws/);
      assert.doesNotMatch(out, /\] error: /, 'no app errors');
    } finally {
      p.kill('SIGINT');
      await exited;
    }
  });
});

/**
 * `minirtc start` as a real process on ephemeral ports, and a token from `minirtc token` (another
 * process) that the running server accepts through the SDK.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { ZegoExpressEngine } from '@minirtc/sdk';

const bin = new URL('../bin/minirtc.mjs', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'minirtc-start-'));
let server: ChildProcess | undefined;

/** Collects stdout until all patterns matched; rejects if the process exits first. */
function readUntil(p: ChildProcess, patterns: RegExp[]): Promise<RegExpExecArray[]> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    p.stderr!.on('data', (d) => (err += d));
    p.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = patterns.map((re) => re.exec(out));
      if (m.every(Boolean)) resolve(m as RegExpExecArray[]);
    });
    p.once('exit', (code) => reject(new Error(`exited ${code}: ${out}\n${err}`)));
  });
}

describe('minirtc start + minirtc token', () => {
  after(async () => {
    if (server && server.exitCode === null) {
      const gone = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await gone;
    }
  });

  it('starts, prints the dev credentials, and accepts a CLI-made token', { timeout: 120_000 }, async () => {
    server = spawn(
      process.execPath,
      [bin, 'start', '--port', '0', '--rtmp.port', '0', '--dataDir', dataDir, '--logLevel', 'warn'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const [ws, app, secret] = await readUntil(server, [
      /signaling\s+(ws:\/\/127\.0\.0\.1:\d+\/ws)/,
      /AppID\s+(\d+)/,
      /ServerSecret\s+([0-9a-f]{32})/,
      /rtmp\s+rtmp:\/\/127\.0\.0\.1:\d+\/live/,
    ]);
    assert.ok(secret);
    const { stdout } = await promisify(execFile)(process.execPath, [
      bin,
      'token',
      '--user',
      'cli-user',
      '--room',
      'r1',
      '--dataDir',
      dataDir,
    ]);
    const token = stdout.trim();
    assert.match(token, /^04/);

    const zg = new ZegoExpressEngine(Number(app![1]), ws![1]!);
    const other = new ZegoExpressEngine(Number(app![1]), ws![1]!);
    try {
      assert.equal(await zg.loginRoom('r1', token, { userID: 'cli-user' }), true);
      await assert.rejects(
        other.loginRoom('r2', token, { userID: 'cli-user' }),
        (e: { code: number }) => e.code === 1002033,
      );
    } finally {
      zg.destroyEngine();
      other.destroyEngine();
    }
  });

  it('refuses a bad configuration with the key that is wrong', { timeout: 60_000 }, async () => {
    const p = spawn(process.execPath, [bin, 'start', '--rtmp.port', 'x', '--dataDir', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    p.stderr!.on('data', (d) => (err += d));
    const code = await new Promise((r) => p.once('exit', r));
    assert.equal(code, 1);
    assert.match(err, /rtmp\.port must be an integer/);
  });
});

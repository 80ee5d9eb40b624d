import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { configKeys } from '../src/config.js';
import { main } from '../src/main.js';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const COMMANDS = ['start', 'media', 'token', 'sign', 'config', 'simulate', 'loadtest', 'doctor'];

describe('minirtc --help', () => {
  it('the program lists every command; `help` and `--help` exit 0, no command exits 2', async () => {
    const top = await run(['--help']);
    assert.equal(top.code, 0);
    const listed = [...top.out.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]).filter((c) => c !== 'help');
    assert.deepEqual(listed, COMMANDS);
    assert.equal((await run(['help'])).code, 0);
    const none = await run([]);
    assert.equal(none.code, 2);
    assert.match(none.out, /Usage: minirtc <command>/);
  });

  for (const cmd of COMMANDS) {
    it(`minirtc ${cmd} --help prints its usage and options and exits 0`, async () => {
      const r = await run([cmd, '--help']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, new RegExp(`^Usage: minirtc ${cmd} `, 'm'));
      assert.match(r.out, /-h, --help/);
      // every command reads the configuration: each key is an option with its variable
      for (const key of configKeys) assert.ok(r.out.includes(`--${key} `), `${cmd} --help lists --${key}`);
      assert.match(r.out, /--rtmp\.port <integer>\s+env MINIRTC_RTMP_PORT/);
      const viaHelp = await run(['help', cmd]);
      assert.equal(viaHelp.code, 0);
      assert.equal(viaHelp.out, r.out);
    });
  }

  it('a misspelt option fails with 1 and is named; config flags keep every form', async () => {
    const bad = await run(['config', '--rtmp.prot', '1']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /unknown option '--rtmp\.prot'/);
    const r = await run(['config', '--no-devApp', '--rtmp.port=1937', '--signaling.heartbeatMs', '5000']);
    assert.equal(r.code, 0, r.err);
    const cfg = JSON.parse(r.out);
    assert.equal(cfg.devApp, false);
    assert.equal(cfg.rtmp.port, 1937);
    assert.equal(cfg.signaling.heartbeatMs, 5000);
    assert.equal(JSON.parse((await run(['config', '--devApp', 'false'])).out).devApp, false);
    assert.equal(JSON.parse((await run(['config', '--rtmp.enabled'])).out).rtmp.enabled, true);
  });

  it('the installed bin answers `minirtc start --help` with exit code 0 (real process)', async () => {
    const bin = fileURLToPath(new URL('../bin/minirtc.mjs', import.meta.url));
    const p = spawn(process.execPath, [bin, 'start', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const [code] = (await once(p, 'exit')) as [number];
    assert.equal(code, 0);
    assert.match(out, /Usage: minirtc start/);
  });
});

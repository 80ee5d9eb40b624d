import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/** A media server under test, running as one process. */
export interface ServerUnderTest {
  name: string;
  version: string;
  port: number;
  proc: ChildProcess;
  stop(): Promise<void>;
}

function waitForLine(p: ChildProcess, re: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const on = (d: Buffer) => {
      buf += d.toString();
      if (re.test(buf)) {
        p.stdout?.off('data', on);
        p.stderr?.off('data', on);
        resolve();
      }
    };
    p.stdout?.on('data', on);
    p.stderr?.on('data', on);
    p.once('exit', (code) =>
      reject(new Error(`${what} exited with ${code} before ready: ${buf.slice(-500)}`)),
    );
  });
}

function stopper(p: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (p.exitCode !== null) return resolve();
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
      setTimeout(() => p.kill('SIGKILL'), 3000).unref();
    });
}

/**
 * Bundles `servers/<name>.ts` (workspace packages from their TypeScript source) into
 * `<workDir>/<name>.mjs`, so the process measured runs on plain node with no loader.
 */
async function bundle(workDir: string, name: string): Promise<string> {
  const out = join(workDir, `${name}.mjs`);
  await build({
    entryPoints: [new URL(`./servers/${name}.ts`, import.meta.url).pathname],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    outfile: out,
    logLevel: 'silent',
  });
  return out;
}

/** Our gateway: bundled once with esbuild, run with plain node. */
export async function startMiniRtc(
  workDir: string,
  port: number,
  nodeFlags = '',
  env: Record<string, string> = {},
  label = 'minirtc',
): Promise<ServerUnderTest> {
  const out = await bundle(workDir, 'minirtc-gateway');
  const flags = nodeFlags ? nodeFlags.split(' ').filter(Boolean) : [];
  // As shipped (scripts/start.sh, bin/minirtc.mjs, the systemd unit): a 4 MB young-generation
  // semi-space unless the run sets another one.
  const shipped = flags.some((f) => f.startsWith('--max-semi-space-size')) ? [] : ['--max-semi-space-size=4'];
  const proc = spawn(process.execPath, [...shipped, ...flags, out, String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  await waitForLine(proc, /ready/, 'minirtc');
  const name = flags.length ? `${label} (${flags.join(' ')})` : label;
  return { name, version: '0.1.0', port, proc, stop: stopper(proc) };
}

/** nginx with libnginx-mod-rtmp: one process (master_process off), live application with GOP-less defaults. */
export async function startNginxRtmp(workDir: string, port: number): Promise<ServerUnderTest> {
  const dir = join(workDir, 'nginx');
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off;
master_process off;
worker_processes 1;
error_log ${dir}/logs/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
rtmp {
  server {
    listen 127.0.0.1:${port};
    chunk_size 4096;
    application live { live on; wait_key on; }
  }
}
`,
  );
  const proc = spawn('nginx', ['-p', dir, '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForPort(port, proc, 'nginx');
  const v = await versionOf('nginx', ['-v']);
  return { name: 'nginx-rtmp', version: v, port, proc, stop: stopper(proc) };
}

/**
 * The floor of a Node media relay: `servers/node-pipe.ts`, a TCP pass-through that parses nothing, in
 * front of nginx-rtmp (on `port + 1`). The process measured is the pass-through alone; see that file
 * for what its CPU means.
 */
export async function startNodePipe(workDir: string, port: number): Promise<ServerUnderTest> {
  const nginx = await startNginxRtmp(join(workDir, 'pipe'), port + 1);
  const out = await bundle(workDir, 'node-pipe');
  const proc = spawn(process.execPath, ['--max-semi-space-size=4', out, String(port), String(port + 1)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await waitForLine(proc, /ready/, 'node-pipe');
  } catch (err) {
    await nginx.stop();
    throw err;
  }
  const stopPipe = stopper(proc);
  return {
    name: 'node-pipe (bytes only, in front of nginx-rtmp)',
    version: process.version,
    port,
    proc,
    stop: async () => {
      await stopPipe();
      await nginx.stop();
    },
  };
}

/** node-media-server 4.x from npm, media only. */
export async function startNms(workDir: string, port: number): Promise<ServerUnderTest> {
  const dir = join(workDir, 'nms');
  mkdirSync(dir, { recursive: true });
  const bin = new URL('../node_modules/node-media-server/bin/app.js', import.meta.url).pathname;
  const proc = spawn(
    process.execPath,
    [bin, '--rtmp-port', String(port), '--http-port', String(port + 1), '--no-admin', '--data-path', dir],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
  );
  await waitForPort(port, proc, 'node-media-server');
  return { name: 'node-media-server', version: '4.4.3', port, proc, stop: stopper(proc) };
}

async function versionOf(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args);
    let s = '';
    p.stdout.on('data', (d) => (s += d));
    p.stderr.on('data', (d) => (s += d));
    p.on('exit', () => resolve(s.trim().split('\n')[0] ?? cmd));
  });
}

async function waitForPort(port: number, proc: ChildProcess, what: string): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

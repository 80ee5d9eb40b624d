import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * Real processes for cluster tests: `minirtc start` / `minirtc media` run straight from the sources
 * (no wrapper process, so a SIGKILL hits the server itself), and Debian nginx as the load balancer
 * in front of the signaling nodes.
 */

const entry = new URL('../../src/bin.ts', import.meta.url).pathname;

/** A running `minirtc` process and what it printed. */
export interface MinirtcProc {
  proc: ChildProcess;
  output(): string;
  /** SIGKILL (a crash) or SIGTERM (a clean stop), resolved once it exited. */
  kill(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
}

/** Starts `minirtc <args>` and resolves once every pattern has matched its output. */
export async function startMinirtc(
  args: string[],
  patterns: RegExp[],
  timeoutMs = 60_000,
): Promise<{ p: MinirtcProc; matches: RegExpExecArray[] }> {
  const proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', entry, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const p: MinirtcProc = {
    proc,
    output: () => out,
    async kill(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
  const matches = await new Promise<RegExpExecArray[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`minirtc ${args[0]} did not start: ${out}`)), timeoutMs);
    const check = (d: Buffer): void => {
      out += d.toString();
      if (out.length > 256 * 1024) out = out.slice(-128 * 1024);
      const m = patterns.map((re) => re.exec(out));
      if (m.every(Boolean)) {
        clearTimeout(timer);
        resolve(m as RegExpExecArray[]);
      }
    };
    proc.stdout?.on('data', check);
    proc.stderr?.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`minirtc ${args[0]} exited ${code}: ${out}`));
    });
  });
  return { p, matches };
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  await once(s, 'close');
  return port;
}

const nginxBin = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

/** An nginx load balancer on loopback (HTTP + WebSocket), stopped with {@link NginxLb.stop}. */
export interface NginxLb {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts nginx proxying HTTP and WebSocket to `upstreams` (`host:port`), the first as primary and
 * the rest as backups: a connection that cannot reach the primary goes to the next, as a load
 * balancer with health checks would send clients of a dead node to a live one.
 */
export async function startNginxLb(dir: string, upstreams: string[]): Promise<NginxLb> {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      process.getuid?.() === 0 ? 'user root;' : '',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'logs', 'error.log')} warn;`,
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (t) => `  ${t}_temp_path ${join(dir, 'tmp', t)};`,
      ),
      "  map $http_upgrade $connection_upgrade { default upgrade; '' close; }",
      '  upstream minirtc {',
      ...upstreams.map((u, i) => `    server ${u} max_fails=1 fail_timeout=60s${i > 0 ? ' backup' : ''};`),
      '  }',
      '  server {',
      `    listen 127.0.0.1:${port};`,
      '    location / {',
      '      proxy_pass http://minirtc;',
      '      proxy_http_version 1.1;',
      '      proxy_set_header Upgrade $http_upgrade;',
      '      proxy_set_header Connection $connection_upgrade;',
      '      proxy_connect_timeout 2s;',
      '      proxy_read_timeout 3600s;',
      '      proxy_next_upstream error timeout;',
      '    }',
      '  }',
      '}',
    ].join('\n'),
  );
  const started = await run(nginxBin, ['-p', dir, '-c', conf]);
  if (started.code !== 0) throw new Error(`nginx failed to start: ${started.out}`);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await run(nginxBin, ['-p', dir, '-c', conf, '-s', 'stop']);
    },
  };
}

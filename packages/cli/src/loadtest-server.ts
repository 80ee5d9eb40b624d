import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDevApp } from './dev-app.js';

/** A signaling server started by `minirtc loadtest` for the run. */
export interface LoadtestServer {
  wsUrl: string;
  httpUrl: string;
  appID: number;
  secret: string;
  pid: number;
  /** Why the server is gone when it exited during the run (its last output), else null. */
  exited(): string | null;
  stop(): Promise<void>;
}

/**
 * How to run `minirtc` again in a child: the TypeScript entry through tsx when running from source,
 * else the script this process was started with (the bundled CLI).
 */
function cliCommand(): string[] {
  const ts = fileURLToPath(new URL('./bin.ts', import.meta.url));
  if (existsSync(ts)) return ['--conditions=source', '--import', 'tsx', ts];
  return [process.argv[1] ?? ''];
}

/**
 * The `minirtc start` flags of a server under signaling load: port 0, no RTMP (unless there are
 * publishers: then on a free port, with its per-address cap raised for their ffmpegs), recording or mixing,
 * an in-memory database, and the caps on not-yet-logged-in sockets from one address raised to the
 * user count (every simulated user connects from 127.0.0.1, and on a busy machine a login can wait
 * its turn for long, so the login deadline is raised too).
 */
export function loadtestServerFlags(dataDir: string, users: number, publishers = 0): string[] {
  // Publishers need the gateway (on a free port); their ffmpegs all connect from 127.0.0.1 at once.
  const rtmp = publishers > 0 ? ['--rtmp.enabled', 'true', '--rtmp.port', '0'] : ['--rtmp.enabled', 'false'];
  const rtmpCaps =
    publishers > 0
      ? [
          ...['--security.rtmpUnauthorizedPerAddress', String(Math.max(16, publishers))],
          ...['--security.rtmpUnauthorizedGlobal', String(Math.max(1000, publishers))],
        ]
      : [];
  return [
    ...['--port', '0', ...rtmp, ...rtmpCaps, '--recording.enabled', 'false'],
    ...['--mixing.enabled', 'false', '--db.file', ':memory:', '--logLevel', 'warn', '--dataDir', dataDir],
    ...['--security.wsUnauthenticatedPerAddress', String(Math.max(32, users))],
    ...['--security.wsUnauthenticatedGlobal', String(Math.max(2000, users))],
    ...['--security.wsLoginDeadlineMs', '120000'],
  ];
}

/**
 * Starts `minirtc start` in a child process (its own CPU and memory, so what the load costs the
 * server can be read apart from the load client): port 0, no RTMP, recording or mixing, a fresh data
 * dir, the caps on not-yet-logged-in sockets from one address raised to the user count, plus the
 * configuration flags the user gave (which win). Resolves once it printed its signaling URL.
 */
export async function startLoadtestServer(
  configFlags: string[],
  users: number,
  publishers = 0,
): Promise<LoadtestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'minirtc-loadtest-'));
  const args = [...cliCommand(), 'start', ...loadtestServerFlags(dataDir, users, publishers), ...configFlags];
  const proc: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        rmSync(dataDir, { recursive: true, force: true });
        resolve();
      };
      if (proc.exitCode !== null || proc.signalCode !== null) return done();
      proc.once('exit', done);
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
    });
  try {
    const wsUrl = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const onData = (d: Buffer) => {
        buf = (buf + d.toString()).slice(-8192);
        const m = /signaling\s+(ws:\/\/\S+)/.exec(buf);
        if (m?.[1]) resolve(m[1]);
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', (d: Buffer) => {
        buf = (buf + d.toString()).slice(-8192);
      });
      proc.once('exit', (code) => reject(new Error(`the server exited (${code}): ${buf.slice(-800)}`)));
      setTimeout(
        () => reject(new Error(`the server did not start in 60 s: ${buf.slice(-800)}`)),
        60_000,
      ).unref();
    });
    const dev = readDevApp(dataDir);
    if (!dev) throw new Error('the server wrote no dev app');
    let tail = '';
    let stopping = false;
    let gone: string | null = null;
    const keep = (d: Buffer) => {
      tail = (tail + d.toString()).slice(-2000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    proc.once('exit', (code, signal) => {
      if (!stopping) gone = `the server exited (${code ?? signal}): ${tail.trim().slice(-600)}`;
    });
    return {
      wsUrl,
      httpUrl: wsUrl.replace(/^ws/, 'http').replace(/\/ws$/, ''),
      appID: dev.appID,
      secret: dev.serverSecret,
      pid: proc.pid ?? 0,
      exited: () => gone,
      stop: () => {
        stopping = true;
        return stop();
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The server's resident set size from its `/metrics`, or null when that cannot be read. */
export async function serverRss(httpUrl: string): Promise<number | null> {
  try {
    const res = await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) return null;
    const m = /^minirtc_process_resident_memory_bytes(?:\{[^}]*\})?\s+(\d+(?:\.\d+)?(?:e\+\d+)?)/m.exec(
      await res.text(),
    );
    return m?.[1] ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

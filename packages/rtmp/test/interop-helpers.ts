import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MediaServer, StreamInfo } from '../src/index.js';
import { type Proc, run } from './procs.js';

export { type Decoded, decode } from './procs.js';

/** A TCP port free on loopback right now (for third-party servers that cannot report an ephemeral one). */
export async function freePort(): Promise<number> {
  const srv: Server = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const a = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (!a || typeof a !== 'object') throw new Error('no port');
  return a.port;
}

/**
 * Resolves once `port` accepts a connection (the server spawned by the test is up). Each refused
 * attempt retries after 25 ms; the whole wait is bounded, and a dead server process fails it early.
 */
export async function waitForPort(port: number, proc: Proc, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (exited) throw new Error(`server exited before listening on ${port}: ${proc.stderr()}`);
    if (performance.now() > deadline) throw new Error(`nothing listening on ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Resolves with the stream's info when `server` reports media started on `key` (listener then removed). */
export function mediaStarted(server: MediaServer, key: string): Promise<StreamInfo> {
  return new Promise<StreamInfo>((resolve) => {
    const h = (i: StreamInfo) => {
      if (i.key !== key) return;
      server.off('mediaStart', h);
      resolve(i);
    };
    server.on('mediaStart', h);
  });
}

/** Which tracks an ffmpeg test publisher sends. */
export type TrackSet = 'av' | 'audio' | 'video';

/** ffmpeg publishing a real-time 25 fps test pattern and/or a 440 Hz AAC tone (GOP 25) to `url`. */
export function publishTracks(url: string, tracks: TrackSet = 'av'): Proc {
  const video = ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25'];
  const audio = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'];
  const vEnc = [
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-g',
    '25',
    '-pix_fmt',
    'yuv420p',
  ];
  const aEnc = ['-c:a', 'aac', '-b:a', '64k'];
  return run('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-re',
    ...(tracks !== 'audio' ? video : []),
    ...(tracks !== 'video' ? audio : []),
    ...(tracks !== 'audio' ? vEnc : []),
    ...(tracks !== 'video' ? aEnc : []),
    '-f',
    'flv',
    url,
  ]);
}

/** A scratch directory removed by `dispose`. */
export function scratchDir(prefix: string): { path: string; dispose(): void } {
  const path = mkdtempSync(join(tmpdir(), `minirtc-${prefix}-`));
  return { path, dispose: () => rmSync(path, { recursive: true, force: true }) };
}

/** A relay server once it listens on `port`: `stop` ends it (SIGTERM) and removes its scratch dir. */
async function relayServer(
  port: number,
  proc: Proc,
  dir: { dispose(): void },
): Promise<{ port: number; proc: Proc; stop(): Promise<void> }> {
  await waitForPort(port, proc);
  return {
    port,
    proc,
    stop: async () => {
      proc.proc.kill('SIGTERM');
      await proc.exited;
      dir.dispose();
    },
  };
}

/** The nginx-rtmp module Debian's libnginx-mod-rtmp installs. */
export const NGINX_RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

/**
 * Starts nginx in the foreground with a throw-away prefix and an `rtmp { application live {...} }`
 * block holding `liveDirectives` (e.g. `push rtmp://...;`). Resolves once it listens.
 */
export async function startNginxRtmp(
  liveDirectives: string,
): Promise<{ port: number; proc: Proc; stop(): Promise<void> }> {
  const dir = scratchDir('nginx');
  const port = await freePort();
  const conf = `load_module ${NGINX_RTMP_MODULE};
daemon off;
master_process off;
worker_processes 1;
pid ${dir.path}/nginx.pid;
error_log ${dir.path}/error.log info;
events { worker_connections 64; }
rtmp {
  server {
    listen 127.0.0.1:${port};
    chunk_size 4096;
    application live {
      live on;
      ${liveDirectives}
    }
  }
}
`;
  writeFileSync(join(dir.path, 'nginx.conf'), conf);
  // Debian installs nginx in /usr/sbin, which is not on every user's PATH.
  const nginx = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
  const proc = run(nginx, [
    '-p',
    dir.path,
    '-c',
    join(dir.path, 'nginx.conf'),
    '-e',
    join(dir.path, 'stderr.log'),
  ]);
  return relayServer(port, proc, dir);
}

/** Starts node-media-server (a child process, see nms-runner.mjs) with one relay task. */
export async function startNms(relay: {
  mode: 'push' | 'pull';
  url: string;
  streamPath: string;
}): Promise<{ port: number; proc: Proc; stop(): Promise<void> }> {
  const dir = scratchDir('nms');
  const port = await freePort();
  const runner = fileURLToPath(new URL('./nms-runner.mjs', import.meta.url));
  const proc = run(process.execPath, [runner, JSON.stringify({ port, dataDir: dir.path, relay })]);
  let log = '';
  // NMS logs at debug level on stdout: keep the tail for failure messages, and never let the pipe fill.
  proc.proc.stdout!.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-6000);
  });
  const stderr = proc.stderr;
  proc.stderr = () => `${stderr()}\n${log}`;
  return relayServer(port, proc, dir);
}

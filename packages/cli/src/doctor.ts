import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { ParsedArgs } from './args.js';
import { configFrom } from './commands.js';
import type { Io } from './commands.js';
import { checkDeployment, formatFinding } from './doctor-url.js';

function tool(name: string): string | undefined {
  const r = spawnSync(name, ['-version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0] : undefined;
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/**
 * `minirtc doctor`: what this machine has for MiniRTC, each line ok or what to do; with `--url`, a
 * deployment checked from outside instead.
 */
export async function doctorCommand(args: ParsedArgs, io: Io): Promise<number> {
  const url = args.options.url;
  if (url) {
    // A deployment, checked from outside: certificate, WSS, RTMP port, clock.
    const found = await checkDeployment({
      url,
      ...(args.options.ca ? { caFile: args.options.ca } : {}),
      ...(args.options.rtmp ? { rtmp: args.options.rtmp } : {}),
    });
    for (const f of found) io.out(formatFinding(f));
    return found.some((f) => f.level === 'fail') ? 1 : 0;
  }
  const cfg = configFrom(args, io);
  let bad = 0;
  const line = (ok: boolean, what: string, fix: string) => {
    if (!ok) bad++;
    io.out(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok ? '' : `  → ${fix}`}`);
  };
  line(
    Number(process.versions.node.split('.')[0]) >= 20,
    `node ${process.versions.node}`,
    'install Node 20+',
  );
  for (const t of ['ffmpeg', 'ffprobe']) {
    const v = tool(t);
    line(v !== undefined, v ?? t, 'apt-get install ffmpeg (needed by tests and the simulator)');
  }
  line(await portFree(cfg.host, cfg.port), `port ${cfg.host}:${cfg.port} free`, 'choose another with --port');
  if (cfg.rtmp.enabled) {
    const h = cfg.rtmp.host ?? cfg.host;
    line(
      await portFree(h, cfg.rtmp.port),
      `port ${h}:${cfg.rtmp.port} free`,
      'choose another with --rtmp.port',
    );
  }
  return bad === 0 ? 0 : 1;
}

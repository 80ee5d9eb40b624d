/**
 * CPU of one mix task (its ffmpeg: decode N inputs, compose, encode H.264 + AAC, push) at N inputs of
 * 640×360 25 fps. Publishers push a pre-encoded file with `-c copy` so they cost almost nothing; the
 * mixer outputs 640×360 25 fps 800 kbps. Counted: the task's ffmpeg utime + stime over the window
 * (`/proc/<pid>/stat`, as the server's `minirtc_mix_cpu_seconds` does), as % of one core.
 *
 * `node --conditions=source --import tsx bench/mix-cpu.ts` (env `BENCH_MIX_N=2,4 BENCH_WINDOW_S=15`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startPlatform } from '@minirtc/cli';
import { generateToken04 } from '@minirtc/protocol/crypto';
import { ZegoExpressEngine } from '@minirtc/sdk';

const appID = 777001;
const secret = '00112233445566778899aabbccddeeff';
const NS = (process.env.BENCH_MIX_N ?? '2,4').split(',').map(Number);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 15);

const dir = mkdtempSync(join(tmpdir(), 'minirtc-bench-mix-'));
const src = join(dir, 'src.flv');
execFileSync('ffmpeg', [
  ...['-hide_banner', '-loglevel', 'error', '-y'],
  ...['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=10'],
  ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=10'],
  ...['-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '800k', '-g', '50', '-pix_fmt', 'yuv420p'],
  ...['-c:a', 'aac', '-b:a', '64k', src],
]);

const platform = await startPlatform(
  loadConfig({ flags: { port: '0', 'rtmp.port': '0', dataDir: dir, logLevel: 'silent' } }),
  { apps: [{ appID, serverSecret: secret }] },
);
const mixer = platform.server.operations.mixing;
if (!mixer) throw new Error('mixing is disabled');
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rows: string[] = [];

for (const n of NS) {
  const room = `bench-${n}`;
  const engines: ZegoExpressEngine[] = [];
  const pubs = [];
  for (let i = 0; i < n; i++) {
    const zg = new ZegoExpressEngine(appID, platform.server.wsUrl, {
      log: { logLevel: 'disable', remoteLogLevel: 'disable' },
    });
    engines.push(zg);
    const userID = `p${i}`;
    await zg.loginRoom(room, generateToken04({ appID, userID, secret, ttlSeconds: 3600 }), {
      userID,
      userName: userID,
    });
    const { url } = await zg.startPublishingStream(`${room}_s${i}`);
    pubs.push(
      spawn(
        'ffmpeg',
        [
          '-hide_banner',
          '-loglevel',
          'error',
          '-re',
          '-stream_loop',
          '-1',
          '-i',
          src,
          '-c',
          'copy',
          '-f',
          'flv',
          url,
        ],
        {
          stdio: 'ignore',
        },
      ),
    );
  }
  // Until every input is listed live (the bench may wait; tests may not).
  while (platform.server.roomStreams(appID, room).length < n) await wait(100);
  const task = mixer.start(appID, {
    taskID: `mix${n}`,
    inputs: Array.from({ length: n }, (_, i) => ({ streamID: `${room}_s${i}` })),
    outputStreamID: `${room}_mix`,
    width: 640,
    height: 360,
    fps: 25,
    videoBitrate: 800_000,
  });
  while (!platform.server.roomStreams(appID, room).some((s) => s.streamID === `${room}_mix`)) await wait(100);
  await wait(3000);
  await wait(1100);
  const c0 = mixer.get(appID, task.taskID).cpuSeconds;
  await wait(WINDOW_S * 1000);
  await wait(1100);
  const c1 = mixer.get(appID, task.taskID).cpuSeconds;
  const pct = ((c1 - c0) / WINDOW_S) * 100;
  const row = `| ${n} | 640×360 25 fps | ${(c1 - c0).toFixed(2)} | ${pct.toFixed(1)} | ${mixer.get(appID, task.taskID).starts} |`;
  rows.push(row);
  console.log(row);
  mixer.stop(appID, task.taskID);
  for (const p of pubs) p.kill('SIGKILL');
  for (const e of engines) e.destroyEngine();
}
console.log('| inputs | each input | CPU s in window | CPU % of a core | ffmpeg starts |');
console.log('|---:|---|---:|---:|---:|');
for (const r of rows) console.log(r);
await platform.close();
process.exit(0);

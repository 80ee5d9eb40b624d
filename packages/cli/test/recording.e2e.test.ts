/**
 * Issue 15 acceptance (recording): a call recorded through the REST API comes out as an MP4 that
 * ffprobe reads, as long as the call, with audio and video; the `record_ready` webhook arrives; a
 * node killed with SIGKILL mid-recording finalizes the file when it restarts.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { generateToken04 } from '@minirtc/protocol/crypto';
import { ZegoExpressEngine } from '@minirtc/sdk';
import { type S3Storage, apiSignature } from '@minirtc/server';
import S3rver from 's3rver';
import { type Ffmpeg, adminApi, publishPattern, tamperQueryParam } from '@minirtc/testkit';
import { loadConfig } from '../src/config.js';
import { type Platform, startPlatform } from '../src/platform.js';
import { Hooks, runTool } from './recording-helpers.js';

const appID = 515151;
const secret = '0123456789abcdef0123456789abcdef';
const adminKey = 'recording-e2e-admin-key-000000000';
const CALL_SECONDS = 4;

const engines: ZegoExpressEngine[] = [];
const procs: Ffmpeg[] = [];

function api<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  return adminApi<T>(base, adminKey, method, path, body);
}

async function publisher(wsUrl: string, userID: string, roomID: string, streamID: string): Promise<string> {
  const zg = new ZegoExpressEngine(appID, wsUrl, { log: { logLevel: 'disable', remoteLogLevel: 'disable' } });
  engines.push(zg);
  const token = generateToken04({ appID, userID, secret, ttlSeconds: 600 });
  assert.equal(await zg.loginRoom(roomID, token, { userID, userName: userID }), true);
  return (await zg.startPublishingStream(streamID)).url;
}

/**
 * Publishes exactly `seconds` of a test pattern and a tone in real time, one GOP long, so the gateway's
 * GOP cache hands the recorder everything from the first frame however late it attaches.
 */
function publishClip(url: string, seconds: number): Ffmpeg {
  const f = publishPattern(url, {
    size: '160x120',
    gop: 250,
    audioBitrate: '48k',
    seconds,
    loglevel: 'error',
  });
  procs.push(f);
  return f;
}

interface FileView {
  id: string;
  state: string;
  streamID: string;
  durationMs: number | null;
  size: number | null;
  streams: { type: string; codec: string }[] | null;
  downloadUrl?: string;
}
interface TaskView {
  taskID: string;
  status: number;
  files: FileView[];
}

async function ffprobe(file: string): Promise<{ duration: number; types: string[]; videoFrames: number }> {
  const out = await runTool('ffprobe', [
    ...['-v', 'error', '-count_frames', '-print_format', 'json', '-show_format', '-show_streams', file],
  ]);
  const j = JSON.parse(out) as {
    format: { duration: string };
    streams: { codec_type: string; nb_read_frames?: string }[];
  };
  return {
    duration: Number(j.format.duration),
    types: j.streams.map((s) => s.codec_type).sort(),
    videoFrames: Number(j.streams.find((s) => s.codec_type === 'video')?.nb_read_frames ?? 0),
  };
}

describe('recording (REST → ffmpeg → MP4, webhook, crash recovery)', { timeout: 170_000 }, () => {
  let platform: Platform;
  const hooks = new Hooks();
  const dataDir = mkdtempSync(join(tmpdir(), 'minirtc-rec-e2e-'));

  before(async () => {
    const hookUrl = await hooks.listen();
    const config = loadConfig({
      flags: {
        port: '0',
        'rtmp.port': '0',
        dataDir,
        logLevel: 'silent',
        // The test's webhook receiver is on loopback, which the SSRF guard refuses by default.
        'security.webhookAllowPrivate': 'true',
      },
    });
    platform = await startPlatform(config, {
      apps: [{ appID, serverSecret: secret }],
      adminKey,
    });
    platform.apps.update(appID, { callbackUrl: hookUrl });
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    for (const e of engines) e.destroyEngine();
    await platform?.close();
    await hooks.close();
  });

  it('records a call started from the REST API into an MP4 as long as the call, and says so by webhook', async (t) => {
    const base = platform.server.httpUrl;
    const url = await publisher(platform.server.wsUrl, 'agent', 'claim-1', 'agent_cam');
    const task = await api<TaskView>(base, 'POST', `/apps/${appID}/recording-tasks`, {
      roomID: 'claim-1',
      streamIDs: ['agent_cam'],
    });
    assert.equal(task.status, 2);
    const clip = publishClip(url, CALL_SECONDS);
    const hook = await hooks.wait((b) => b.event === 'record_ready' && b.stream_id === 'agent_cam');
    assert.equal(await clip.exited, 0, clip.stderr());
    assert.equal(hook.task_id, task.taskID);
    assert.ok(
      Math.abs((hook.duration as number) - CALL_SECONDS * 1000) <= 500,
      `webhook duration ${hook.duration}`,
    );
    assert.ok((hook.file_size as number) > 1000);
    assert.deepEqual((hook.streams as { type: string }[]).map((s) => s.type).sort(), ['audio', 'video']);

    const done = await api<TaskView>(base, 'POST', `/apps/${appID}/recording-tasks/${task.taskID}/stop`);
    assert.equal(done.status, 3);
    assert.equal(done.files.length, 1);
    const f = done.files[0] as FileView;
    assert.equal(f.state, 'ready');
    assert.ok(f.downloadUrl, 'a ready file has a signed link');

    // Fetch it through its signed link, as the console would, and check the bytes with ffprobe.
    const res = await fetch(`${base}${f.downloadUrl}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment/);
    const saved = join(dataDir, 'downloaded.mp4');
    await writeFile(saved, Buffer.from(await res.arrayBuffer()));
    assert.equal(statSync(saved).size, f.size);
    const p = await ffprobe(saved);
    assert.deepEqual(p.types, ['audio', 'video']);
    assert.ok(
      Math.abs(p.duration - CALL_SECONDS) <= 0.5,
      `MP4 lasts ${p.duration} s, the call ${CALL_SECONDS} s`,
    );
    assert.ok(p.videoFrames >= (CALL_SECONDS - 0.5) * 25, `decoded ${p.videoFrames} video frames`);
    t.diagnostic(
      `call ${CALL_SECONDS} s → MP4 ${p.duration} s, ${p.videoFrames} video frames, ${f.size} bytes`,
    );

    // A tampered or expired link is refused.
    const bad = await fetch(`${base}${tamperQueryParam(f.downloadUrl, 'sig')}`);
    assert.equal(bad.status, 403);
    const expired = await fetch(`${base}${f.downloadUrl.replace(/expire=\d+/, 'expire=1000')}`);
    assert.equal(expired.status, 403);
  });

  it('speaks the ZEGO form: StartRecord / DescribeRecordStatus / StopRecord', async () => {
    const base = platform.server.httpUrl;
    // biome-ignore lint/suspicious/noExplicitAny: ZEGO's Data differs per action; the test reads a few fields
    type Reply = { Code: number; Message: string; Data?: any };
    const zego = async (action: string, body: unknown): Promise<Reply> => {
      const nonce = Math.random().toString(16).slice(2, 18);
      const ts = Math.floor(Date.now() / 1000);
      const q = new URLSearchParams({
        Action: action,
        AppId: String(appID),
        SignatureNonce: nonce,
        Timestamp: String(ts),
        SignatureVersion: '2.0',
        Signature: apiSignature(appID, nonce, secret, ts),
      });
      const res = await fetch(`${base}/?${q}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return (await res.json()) as Reply;
    };
    const url = await publisher(platform.server.wsUrl, 'signer', 'sign-1', 'signer_cam');
    const start = await zego('StartRecord', {
      RoomId: 'sign-1',
      RecordInputParams: { RecordMode: 1, StreamType: 3, RecordStreamList: [{ StreamId: 'signer_cam' }] },
      StorageParams: { Vendor: 2 },
    });
    assert.equal(start.Code, 0, start.Message);
    const taskId = start.Data.TaskId as string;
    assert.match(taskId, /^[A-Za-z0-9_-]{16}$/);
    const clip = publishClip(url, 2);
    await hooks.wait((b) => b.event === 'record_ready' && b.task_id === taskId);
    await clip.exited;
    const stop = await zego('StopRecord', { TaskId: taskId });
    assert.equal(stop.Code, 0, stop.Message);
    const st = await zego('DescribeRecordStatus', { TaskId: taskId });
    assert.equal(st.Code, 0);
    assert.equal(st.Data.Status, 3);
    assert.equal(st.Data.RecordFiles.length, 1);
    assert.equal(st.Data.RecordFiles[0].StreamId, 'signer_cam');
    assert.ok(Math.abs(st.Data.RecordFiles[0].Duration - 2000) <= 500);
    const mixed = await zego('StartRecord', { RoomId: 'sign-1', RecordInputParams: { RecordMode: 2 } });
    assert.notEqual(mixed.Code, 0, 'a mixed recording of a room with no live stream is refused');
  });

  it('auto-records rooms matching an app rule, and only those', async () => {
    const base = platform.server.httpUrl;
    const settings = await api<{ autoRecord: string; prefixes: string[] }>(
      base,
      'PATCH',
      `/apps/${appID}/recording-settings`,
      { autoRecord: 'prefix', prefixes: ['vcs-'] },
    );
    assert.deepEqual(settings.prefixes, ['vcs-']);
    const other = await publisher(platform.server.wsUrl, 'nobody', 'lobby', 'lobby_cam');
    const url = await publisher(platform.server.wsUrl, 'clerk', 'vcs-42', 'clerk_cam');
    const a = publishClip(other, 2);
    const b = publishClip(url, 2);
    const hook = await hooks.wait((h) => h.event === 'record_ready' && h.stream_id === 'clerk_cam');
    await Promise.all([a.exited, b.exited]);
    assert.ok(Math.abs((hook.duration as number) - 2000) <= 500);
    const { recordings } = await api<{ recordings: FileView[] }>(base, 'GET', `/apps/${appID}/recordings`);
    assert.ok(recordings.some((r) => r.streamID === 'clerk_cam'));
    assert.ok(!recordings.some((r) => r.streamID === 'lobby_cam'), 'a room outside the rule is not recorded');
    await api(base, 'PATCH', `/apps/${appID}/recording-settings`, { autoRecord: 'off' });
  });

  it('uploads finished files to S3-compatible storage and serves the signed link from the bucket', async () => {
    const s3dir = mkdtempSync(join(tmpdir(), 'minirtc-rec-s3rver-'));
    const s3 = new S3rver({
      address: '127.0.0.1',
      port: 0,
      directory: s3dir,
      silent: true,
      configureBuckets: [{ name: 'calls', configs: [] }],
    });
    const addr = await s3.run();
    const dir = mkdtempSync(join(tmpdir(), 'minirtc-rec-s3-'));
    const config = loadConfig({
      flags: { port: '0', 'rtmp.port': '0', dataDir: dir, logLevel: 'silent' },
      env: {
        MINIRTC_RECORDING_S3_ENDPOINT: `http://127.0.0.1:${addr.port}`,
        MINIRTC_RECORDING_S3_REGION: 'us-east-1',
        MINIRTC_RECORDING_S3_BUCKET: 'calls',
        MINIRTC_RECORDING_S3_ACCESS_KEY_ID: 'S3RVER',
        MINIRTC_RECORDING_S3_SECRET_ACCESS_KEY: 'S3RVER',
      },
    });
    const node = await startPlatform(config, { apps: [{ appID, serverSecret: secret }], adminKey });
    try {
      const svc = node.server.operations.recording;
      const storage = svc?.storage as (S3Storage & { kind: string }) | undefined;
      assert.equal(storage?.kind, 's3');
      const uploaded = once(storage as S3Storage, 'uploaded');
      const base = node.server.httpUrl;
      const url = await publisher(node.server.wsUrl, 'teller', 'bank-1', 'teller_cam');
      const task = await api<TaskView>(base, 'POST', `/apps/${appID}/recording-tasks`, { roomID: 'bank-1' });
      const clip = publishClip(url, 2);
      await uploaded;
      await clip.exited;
      const done = await api<TaskView>(base, 'POST', `/apps/${appID}/recording-tasks/${task.taskID}/stop`);
      const f = done.files[0] as FileView;
      assert.equal(f.state, 'ready');
      assert.equal(statSafe(svc?.localPath(svc.store.file(f.id)!) ?? ''), 0, 'no local copy kept');
      const res = await fetch(`${base}${f.downloadUrl}`);
      assert.equal(res.status, 200);
      const saved = join(dir, 'from-bucket.mp4');
      await writeFile(saved, Buffer.from(await res.arrayBuffer()));
      assert.equal(statSync(saved).size, f.size);
      const p = await ffprobe(saved);
      assert.deepEqual(p.types, ['audio', 'video']);
    } finally {
      await node.close();
      (s3 as unknown as { httpServer: Server }).httpServer.closeAllConnections();
      await s3.close();
    }
  });

  it('a node killed with SIGKILL mid-recording finalizes the file when it restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'minirtc-rec-kill-'));
    const fixture = fileURLToPath(new URL('./fixtures/recording-node.ts', import.meta.url));
    const child: ChildProcess = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', fixture, dir, String(appID), secret, adminKey],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      const node = JSON.parse(line.toString().split('\n')[0] as string) as { http: string; ws: string };
      const url = await publisher(node.ws, 'victim', 'crash-1', 'victim_cam');
      const task = await api<TaskView>(node.http, 'POST', `/apps/${appID}/recording-tasks`, {
        roomID: 'crash-1',
      });
      // A long clip: the node dies while it is still being published and recorded.
      publishClip(url, 60);
      // Wait until the recorder has written a couple of seconds to its temp file.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const t = await api<TaskView>(node.http, 'GET', `/apps/${appID}/recording-tasks/${task.taskID}`);
        const rec = t.files[0];
        const temp = rec ? join(dir, 'recordings', String(appID), `.${rec.id}.flv`) : '';
        if (rec && statSafe(temp) > 40_000) break;
        if (Date.now() > deadline) throw new Error('the recorder never wrote its temp file');
        await new Promise((r) => setTimeout(r, 200));
      }
      child.kill('SIGKILL');
      await once(child, 'exit');

      const config = loadConfig({ flags: { port: '0', 'rtmp.port': '0', dataDir: dir, logLevel: 'silent' } });
      const again = await startPlatform(config, { apps: [{ appID, serverSecret: secret }], adminKey });
      try {
        const svc = again.server.operations.recording!;
        const [row] = svc.store.filesOfTask(task.taskID);
        assert.ok(row, 'the durable record survived');
        let fin = svc.store.file(row.id)!;
        if (fin.state !== 'ready' && fin.state !== 'failed') {
          [fin] = (await Promise.race([once(svc, 'ready'), once(svc, 'failed')])) as [typeof fin];
        }
        assert.equal(fin.state, 'ready', fin.error ?? '');
        const p = await ffprobe(svc.localPath(fin)!);
        assert.deepEqual(p.types, ['audio', 'video']);
        assert.ok(p.duration >= 1, `finalized file lasts ${p.duration} s`);
        assert.ok(p.videoFrames >= 20);
      } finally {
        await again.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

function statSafe(p: string): number {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
}

/**
 * Issue 15 acceptance (recording a room as one mixed file, ZEGO RecordMode 2): two publishers in a
 * room, a StartRecord in mixed mode, StopRecord → one `record_ready` webhook and one MP4 with audio and
 * video, as long as the recording's span; the internal mix stops with the task.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateToken04 } from '@minirtc/protocol/crypto';
import { ZegoExpressEngine } from '@minirtc/sdk';
import { apiSignature } from '@minirtc/server';
import { EventLog, type Ffmpeg } from '@minirtc/testkit';
import { loadConfig } from '../src/config.js';
import { type Platform, startPlatform } from '../src/platform.js';
import { Hooks, runTool } from './recording-helpers.js';

const appID = 727272;
const secret = 'abcdef0123456789abcdef0123456789';
const adminKey = 'room-mix-rec-e2e-admin-key-000000';
const ROOM = 'claim-mixed-1';
const CALL_SECONDS = 15;

const engines: ZegoExpressEngine[] = [];
const procs: Ffmpeg[] = [];

/** A small publisher (160×120, 15 fps, a tone); `seconds` bounds it, else it runs until killed. */
function publish(url: string, hz: number, seconds?: number): Ffmpeg {
  const dur = seconds ? `:duration=${seconds}` : '';
  const proc = spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-re'],
      ...['-f', 'lavfi', '-i', `testsrc2=size=160x120:rate=15${dur}`],
      ...['-f', 'lavfi', '-i', `sine=frequency=${hz}:sample_rate=44100${dur}`],
      ...[
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-tune',
        'zerolatency',
        '-g',
        '15',
        '-pix_fmt',
        'yuv420p',
      ],
      ...['-c:a', 'aac', '-b:a', '32k', '-f', 'flv', url],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  proc.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  const f: Ffmpeg = {
    proc,
    stderr: () => err,
    exited,
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
  procs.push(f);
  return f;
}

// biome-ignore lint/suspicious/noExplicitAny: ZEGO's Data differs per action; the test reads a few fields
type Reply = { Code: number; Message: string; Data?: any };

describe('room recording as one mixed file (RecordMode 2)', { timeout: 170_000 }, () => {
  let platform: Platform;
  const hooks = new Hooks();
  const dataDir = mkdtempSync(join(tmpdir(), 'minirtc-roommix-e2e-'));

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
    const res = await fetch(`${platform.server.httpUrl}/?${q}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await res.json()) as Reply;
  };

  before(async () => {
    const hookUrl = await hooks.listen();
    const config = loadConfig({
      flags: {
        port: '0',
        'rtmp.port': '0',
        dataDir,
        logLevel: 'silent',
        'security.webhookAllowPrivate': 'true',
      },
    });
    platform = await startPlatform(config, { apps: [{ appID, serverSecret: secret }], adminKey });
    platform.apps.update(appID, { callbackUrl: hookUrl });
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    for (const e of engines) e.destroyEngine();
    await platform?.close();
    await hooks.close();
  });

  it('records two publishers as one MP4 with audio and video, as long as the recording', async (t) => {
    // Nothing live in the room: refused with a code rather than a task that records nothing.
    const empty = await zego('StartRecord', { RoomId: 'nobody-here', RecordInputParams: { RecordMode: 2 } });
    assert.notEqual(empty.Code, 0);
    const bad = await zego('StartRecord', { RoomId: ROOM, RecordInputParams: { RecordMode: 3 } });
    assert.equal(bad.Code, 1100001);

    const zgs: { zg: ZegoExpressEngine; log: EventLog }[] = [];
    for (const user of ['agent', 'client']) {
      const zg = new ZegoExpressEngine(appID, platform.server.wsUrl, {
        log: { logLevel: 'disable', remoteLogLevel: 'disable' },
      });
      engines.push(zg);
      const log = new EventLog(zg, ['roomStreamUpdate']);
      const token = generateToken04({ appID, userID: user, secret, ttlSeconds: 600 });
      assert.equal(await zg.loginRoom(ROOM, token, { userID: user, userName: user }), true);
      zgs.push({ zg, log });
    }
    const [a, b] = zgs as [(typeof zgs)[0], (typeof zgs)[0]];
    const heard = (log: EventLog): string[] =>
      log.of('roomStreamUpdate').flatMap((e) => (e[2] as { streamID: string }[]).map((x) => x.streamID));
    // The client's call lasts CALL_SECONDS; the agent publishes until the end of the test.
    const clientClip = publish((await b.zg.startPublishingStream('client_cam')).url, 660, CALL_SECONDS);
    publish((await a.zg.startPublishingStream('agent_cam')).url, 440);
    // Both streams live: each member hears of the other's.
    await a.log.wait('roomStreamUpdate', () => heard(a.log).includes('client_cam'), 45_000);
    await b.log.wait('roomStreamUpdate', () => heard(b.log).includes('agent_cam'), 45_000);

    const svc = platform.server.operations.recording;
    assert.ok(svc);
    const started = once(svc, 'started');
    const start = await zego('StartRecord', {
      RoomId: ROOM,
      RecordInputParams: { RecordMode: 2, StreamType: 3 },
      StorageParams: { Vendor: 2 },
    });
    assert.equal(start.Code, 0, start.Message);
    const taskId = start.Data.TaskId as string;
    const mixes = platform.server.operations.mixing?.list(appID) ?? [];
    assert.equal(mixes.length, 1, 'one internal mix task');
    assert.deepEqual(mixes[0]?.inputs.map((i) => i.streamID).sort(), ['agent_cam', 'client_cam']);
    // The recorder attaches once the mix's output is live in the room.
    const [row] = (await started) as [{ taskID: string; streamID: string }];
    assert.equal(row.taskID, taskId);
    assert.equal(row.streamID, mixes[0]?.outputStreamID);

    // The call ends when the client's clip does; then the task is stopped.
    assert.equal(await clientClip.exited, 0, clientClip.stderr());
    const stop = await zego('StopRecord', { TaskId: taskId });
    assert.equal(stop.Code, 0, stop.Message);
    assert.deepEqual(platform.server.operations.mixing?.list(appID), [], 'stopping the task stops its mix');

    const hook = await hooks.wait((h) => h.event === 'record_ready' && h.task_id === taskId);
    const span = ((hook.end_timestamp as number) - (hook.begin_timestamp as number)) / 1000;
    assert.deepEqual((hook.streams as { type: string }[]).map((s) => s.type).sort(), ['audio', 'video']);

    const st = await zego('DescribeRecordStatus', { TaskId: taskId });
    assert.equal(st.Code, 0, st.Message);
    assert.equal(st.Data.RecordMode, 2);
    assert.equal(st.Data.Status, 3);
    assert.equal(st.Data.RecordFiles.length, 1, 'one file per task');
    const file = st.Data.RecordFiles[0] as { FileUrl: string; FileSize: number };
    assert.ok(file.FileUrl, 'a signed link');

    // Listed like any recording, and fetched through its signed link.
    const list = await fetch(`${platform.server.httpUrl}/api/v1/apps/${appID}/recordings?roomID=${ROOM}`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    const listed = ((await list.json()) as { recordings: { taskID: string }[] }).recordings;
    assert.equal(listed.filter((r) => r.taskID === taskId).length, 1);
    const res = await fetch(`${platform.server.httpUrl}${file.FileUrl}`);
    assert.equal(res.status, 200);
    const saved = join(dataDir, 'mixed.mp4');
    await writeFile(saved, Buffer.from(await res.arrayBuffer()));

    const out = await runTool('ffprobe', [
      ...['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', saved],
    ]);
    const j = JSON.parse(out) as {
      format: { duration: string; format_name: string };
      streams: { codec_type: string; width?: number; height?: number }[];
    };
    const duration = Number(j.format.duration);
    assert.match(j.format.format_name, /mp4/);
    assert.deepEqual(j.streams.map((s) => s.codec_type).sort(), ['audio', 'video']);
    const v = j.streams.find((s) => s.codec_type === 'video');
    assert.deepEqual([v?.width, v?.height], [640, 360], 'the mix canvas');
    assert.ok(span >= 2, `recording span ${span} s`);
    assert.ok(Math.abs(duration - span) <= 1, `MP4 lasts ${duration} s, the recording ${span} s`);
    t.diagnostic(`recording span ${span} s → mixed MP4 ${duration} s, ${file.FileSize} bytes`);

    // The REST form: recordMode 2 starts the same composition; its stop stops the mix too.
    const rest = async (method: string, path: string, body?: unknown): Promise<Response> =>
      fetch(`${platform.server.httpUrl}/api/v1/apps/${appID}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${adminKey}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    const created = await rest('POST', '/recording-tasks', { roomID: ROOM, recordMode: 2 });
    assert.equal(created.status, 201);
    const task2 = (await created.json()) as { taskID: string; streamIDs: string[] };
    assert.match(task2.streamIDs[0] ?? '', /^mixrec_/);
    assert.deepEqual(
      platform.server.operations.mixing?.list(appID).map((m) => m.inputs.map((i) => i.streamID)),
      [['agent_cam']],
      'the streams live now',
    );
    const stopped = await rest('POST', `/recording-tasks/${task2.taskID}/stop`);
    assert.equal(stopped.status, 200);
    assert.equal(((await stopped.json()) as { status: number }).status, 3);
    assert.deepEqual(platform.server.operations.mixing?.list(appID), []);
  });
});

/**
 * Group mixing (a mix per member of everyone else) keeps a member's mix through the others' re-pushes:
 * an app changes a URL by remounting its `<rtc-room>`, which re-pushes its camera. The mix's inputs stay
 * (their tiles go black for the gap), the output never leaves the room, and the mixer takes each
 * re-pushed stream in again. Real ffmpeg publishers stopped cleanly (SIGINT: a proper unpublish).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateToken04 } from '@minirtc/protocol/crypto';
import { ZegoExpressEngine } from '@minirtc/sdk';
import type { MixTaskView } from '@minirtc/server';
import { EventLog, type Ffmpeg, adminApi, publishPattern, until } from '@minirtc/testkit';
import { loadConfig } from '../src/config.js';
import { type Platform, startPlatform } from '../src/platform.js';

const appID = 727272;
const secret = '0123456789abcdef0123456789abcdef';
const adminKey = 'group-mixer-e2e-admin-key-00000000';
const ROOM = 'grp-1';

const engines: ZegoExpressEngine[] = [];
const procs: Ffmpeg[] = [];

function publishSmall(url: string, hz: number): Ffmpeg {
  const f = publishPattern(url, { size: '160x120', rate: 15, hz, audioBitrate: '32k', loglevel: 'error' });
  procs.push(f);
  return f;
}

/** Stops a publisher as a remounted `<rtc-room>` does: SIGINT, so ffmpeg unpublishes properly. */
async function unpublish(f: Ffmpeg): Promise<void> {
  f.proc.kill('SIGINT');
  await f.exited;
}

const ids = (a: unknown[]): string[] => (a[2] as { streamID: string }[]).map((s) => s.streamID);

describe('group mixing through re-pushes', { timeout: 170_000 }, () => {
  let platform: Platform;

  before(async () => {
    const config = loadConfig({
      flags: {
        port: '0',
        'rtmp.port': '0',
        dataDir: mkdtempSync(join(tmpdir(), 'minirtc-group-mix-e2e-')),
        logLevel: 'silent',
        'mixing.groupRoomPrefixes': 'grp-',
      },
    });
    platform = await startPlatform(config, { apps: [{ appID, serverSecret: secret }], adminKey });
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    for (const e of engines) e.destroyEngine();
    await platform?.close();
  });

  it("keeps a member's mix when every other member re-pushes at once", async () => {
    const users = ['ann', 'ben', 'cat'];
    const members = new Map<string, { zg: ZegoExpressEngine; log: EventLog; url: string }>();
    for (const userID of users) {
      const zg = new ZegoExpressEngine(appID, platform.server.wsUrl, {
        log: { logLevel: 'disable', remoteLogLevel: 'disable' },
      });
      engines.push(zg);
      const log = new EventLog(zg, ['roomStreamUpdate']);
      const token = generateToken04({ appID, userID, secret, ttlSeconds: 600 });
      assert.equal(await zg.loginRoom(ROOM, token, { userID, userName: userID }), true);
      const { url } = await zg.startPublishingStream(`${userID}_cam`);
      members.set(userID, { zg, log, url });
    }
    const pubs = new Map(users.map((u, k) => [u, publishSmall(members.get(u)!.url, 300 + 200 * k)]));
    const ann = members.get('ann')!;
    const task = (): Promise<MixTaskView> =>
      adminApi<MixTaskView>(
        platform.server.httpUrl,
        adminKey,
        'GET',
        `/apps/${appID}/mix-tasks/group.mix_ann`,
      );
    const allLive = async (): Promise<boolean> => {
      const t = await task().catch(() => null);
      return t !== null && t.state === 'running' && t.inputs.length === 2 && t.inputs.every((i) => i.live);
    };

    // Ann's mix of Ben and Cat is listed in the room once its media flows.
    await ann.log.wait('roomStreamUpdate', (a) => a[1] === 'ADD' && ids(a).includes('mix_ann'), 60_000);
    await until(allLive, "ann's mix pulling both inputs", 60_000);
    const spawnedBefore = (await task()).starts;

    // Ben and Cat both remount: their cameras leave the list together, then come back on the same URLs.
    await Promise.all([unpublish(pubs.get('ben')!), unpublish(pubs.get('cat')!)]);
    await ann.log.wait(
      'roomStreamUpdate',
      () => {
        const gone = ann.log
          .of('roomStreamUpdate')
          .filter((a) => a[1] === 'DELETE')
          .flatMap(ids);
        return gone.includes('ben_cam') && gone.includes('cat_cam');
      },
      30_000,
    );
    const between = await task();
    assert.deepEqual(
      between.inputs.map((i) => [i.streamID, i.live]),
      [
        ['ben_cam', false],
        ['cat_cam', false],
      ],
      'the task keeps both inputs (black tiles) while neither is live',
    );
    pubs.set('ben', publishSmall(members.get('ben')!.url, 500));
    pubs.set('cat', publishSmall(members.get('cat')!.url, 700));
    await until(allLive, "ann's mix pulling both re-pushed inputs", 60_000);
    assert.ok((await task()).starts > spawnedBefore, 'the mixer took the re-pushed streams in again');

    const mixUpdates = ann.log.of('roomStreamUpdate').filter((a) => ids(a).includes('mix_ann'));
    assert.deepEqual(
      mixUpdates.map((a) => a[1]),
      ['ADD'],
      "ann's mix never left the room",
    );
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { MiniRtcServer } from '../src/server.js';
import { APP_ID, Client, type Msg, startServer, token } from './helpers.js';

const USERS = ['m0', 'm1', 'm2', 'm3'];
const ROOM = 'r-model';

/**
 * One app user as the SDK would track the room: the login snapshot, then every push applied once in
 * seq order (replays after a resume are recognized by seq and skipped).
 */
class Viewer {
  c: Client | null = null;
  sessionID = '';
  resumeKey = '';
  lastSeq = 0;
  users = new Set<string>();
  streams = new Set<string>();
  /** Streams this user reserved (and may report live). */
  own = new Set<string>();

  constructor(readonly userID: string) {}

  #attach(c: Client): void {
    c.ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as Msg;
      if (typeof m.seq !== 'number' || m.seq <= this.lastSeq) return;
      assert.equal(m.seq, this.lastSeq + 1, `${this.userID}: pushes arrive without gaps`);
      this.lastSeq = m.seq;
      if (m.type === 'userUpdate') {
        for (const u of m.users) {
          assert.notEqual(u.userID, this.userID, 'never about oneself');
          if (m.updateType === 'ADD') {
            assert.ok(!this.users.has(u.userID), `${this.userID}: ADD of present ${u.userID}`);
            this.users.add(u.userID);
          } else {
            assert.ok(this.users.delete(u.userID), `${this.userID}: DELETE of absent ${u.userID}`);
          }
        }
      }
      if (m.type === 'streamUpdate') {
        for (const s of m.streams) {
          assert.notEqual(s.user.userID, this.userID, 'never about own streams');
          if (m.updateType === 'ADD') {
            assert.ok(!this.streams.has(s.streamID), `${this.userID}: ADD of listed ${s.streamID}`);
            this.streams.add(s.streamID);
          } else {
            assert.ok(this.streams.delete(s.streamID), `${this.userID}: DELETE of unlisted ${s.streamID}`);
          }
        }
      }
    });
    this.c = c;
  }

  async join(server: MiniRtcServer): Promise<void> {
    const c = await Client.open(server.wsUrl);
    this.#attach(c);
    const res = await c.req('login', {
      appID: APP_ID,
      roomID: ROOM,
      token: token(this.userID, { roomID: ROOM }),
      user: { userID: this.userID },
      config: { userUpdate: true },
    });
    assert.equal(res.code, 0);
    this.sessionID = res.data.sessionID;
    this.resumeKey = res.data.resumeKey;
    this.lastSeq = res.data.seq;
    this.users = new Set(res.data.room.users.map((u: { userID: string }) => u.userID));
    this.streams = new Set(res.data.room.streams.map((s: { streamID: string }) => s.streamID));
  }

  async leave(): Promise<void> {
    assert.equal((await this.c?.req('logout', { roomID: ROOM }))?.code, 0);
    this.c?.close();
    this.c = null;
    this.own.clear();
  }

  async dropAndResume(server: MiniRtcServer): Promise<void> {
    const old = this.c as Client;
    assert.ok(server.dropConnection(APP_ID, this.userID));
    await old.closed;
    const c = await Client.open(server.wsUrl);
    this.#attach(c);
    const res = await c.req('resume', {
      sessionID: this.sessionID,
      resumeKey: this.resumeKey,
      lastSeq: this.lastSeq,
    });
    assert.equal(res.code, 0);
  }
}

describe('room state as clients see it (model-based)', () => {
  let server: MiniRtcServer;
  before(async () => {
    server = await startServer({ resumeGraceMs: 10_000 });
  });
  after(() => server.close());

  const action = fc.oneof(
    fc.record({ kind: fc.constant('join' as const), u: fc.nat(3) }),
    fc.record({ kind: fc.constant('leave' as const), u: fc.nat(3) }),
    fc.record({ kind: fc.constant('drop' as const), u: fc.nat(3) }),
    fc.record({ kind: fc.constant('publish' as const), u: fc.nat(3), s: fc.nat(2) }),
    fc.record({ kind: fc.constant('live' as const), s: fc.nat(2) }),
    fc.record({ kind: fc.constant('gone' as const), s: fc.nat(2) }),
    fc.record({ kind: fc.constant('stop' as const), u: fc.nat(3), s: fc.nat(2) }),
  );

  it('snapshot + pushes always add up to the server’s truth, through joins, leaves, drops/resumes and streams', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 25 }), async (actions) => {
        const viewers = USERS.map((u) => new Viewer(u));
        try {
          for (const a of actions) {
            const v = 'u' in a ? (viewers[a.u] as Viewer) : undefined;
            const sid = 's' in a ? `model-s${a.s}` : '';
            if (a.kind === 'join' && v && !v.c) await v.join(server);
            else if (a.kind === 'leave' && v?.c) await v.leave();
            else if (a.kind === 'drop' && v?.c) await v.dropAndResume(server);
            else if (a.kind === 'publish' && v?.c) {
              const r = await v.c.req('publish', { roomID: ROOM, streamID: sid });
              if (r.code === 0) v.own.add(sid);
            } else if (a.kind === 'stop' && v?.c && v.own.has(sid)) {
              assert.equal((await v.c.req('stopPublish', { roomID: ROOM, streamID: sid })).code, 0);
              v.own.delete(sid);
            } else if (a.kind === 'live') server.media.streamLive(APP_ID, sid);
            else if (a.kind === 'gone') server.media.streamGone(APP_ID, sid, 'gone');
          }
          // A round trip per client: every push owed to it has arrived and been applied.
          const present = viewers.filter((v) => v.c);
          for (const v of present) await v.c?.req('ping');
          const truthUsers = server.roomUsers(APP_ID, ROOM).map((u) => u.userID);
          const truthStreams = server.roomStreams(APP_ID, ROOM);
          assert.deepEqual(truthUsers.sort(), present.map((v) => v.userID).sort());
          for (const v of present) {
            assert.deepEqual(
              [...v.users].sort(),
              truthUsers.filter((u) => u !== v.userID).sort(),
              `${v.userID} users`,
            );
            assert.deepEqual(
              [...v.streams].sort(),
              truthStreams
                .filter((s) => s.user.userID !== v.userID)
                .map((s) => s.streamID)
                .sort(),
              `${v.userID} streams`,
            );
          }
        } finally {
          for (const v of viewers) if (v.c) await v.leave();
        }
        assert.equal(server.rooms(APP_ID).length, 0, 'the room closes when the last one leaves');
      }),
      { numRuns: 25 },
    );
  });
});

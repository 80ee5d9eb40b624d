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
  /** Socket dropped by the server, not resumed yet. */
  away = false;
  /** Every user/stream change applied, as `ADD m1` / `DELETE s:model-s0`, in order. */
  readonly changes: string[] = [];
  /** Inconsistencies seen in the push stream (collected: a throw inside a socket listener is lost). */
  readonly problems: string[] = [];

  constructor(readonly userID: string) {}

  #attach(c: Client): void {
    c.ws.on('message', (data) => {
      // Only the current socket speaks for this user (an old one may still be closing).
      if (this.c !== c) return;
      const m = JSON.parse(String(data)) as Msg;
      if (typeof m.seq !== 'number' || m.seq <= this.lastSeq) return;
      const expect = (ok: boolean, what: string): void => {
        if (!ok) this.problems.push(`${this.userID} seq ${m.seq}: ${what}`);
      };
      expect(m.seq === this.lastSeq + 1, `gap after ${this.lastSeq}`);
      this.lastSeq = m.seq;
      if (m.type === 'userUpdate') {
        for (const u of m.users) {
          expect(u.userID !== this.userID, 'update about oneself');
          this.changes.push(`${m.updateType} ${u.userID}`);
          if (m.updateType === 'ADD') {
            expect(!this.users.has(u.userID), `ADD of present ${u.userID}`);
            this.users.add(u.userID);
          } else expect(this.users.delete(u.userID), `DELETE of absent ${u.userID}`);
        }
      }
      if (m.type === 'streamUpdate') {
        for (const s of m.streams) {
          expect(s.user.userID !== this.userID, 'update about an own stream');
          this.changes.push(`${m.updateType} s:${s.streamID}`);
          if (m.updateType === 'ADD') {
            expect(!this.streams.has(s.streamID), `ADD of listed ${s.streamID}`);
            this.streams.add(s.streamID);
          } else expect(this.streams.delete(s.streamID), `DELETE of unlisted ${s.streamID}`);
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

  /**
   * The same user logs in from a new engine: an attached old session is kicked (1002050, close 4001)
   * and its streams released; one in its grace window is taken over silently, streams included.
   */
  async relogin(server: MiniRtcServer): Promise<void> {
    const old = this.c as Client;
    const wasAway = this.away;
    this.away = false;
    await this.join(server);
    if (!wasAway) {
      assert.equal(await old.closed, 4001);
      this.own.clear();
    }
  }

  /** The operator kicks the user (attached or in grace): it is gone. */
  async kicked(server: MiniRtcServer): Promise<void> {
    const old = this.c as Client;
    assert.ok(server.kickUser(APP_ID, ROOM, this.userID));
    if (!this.away) assert.equal(await old.closed, 4001);
    this.c = null;
    this.away = false;
    this.own.clear();
  }

  async leave(): Promise<void> {
    assert.equal((await this.c?.req('logout', { roomID: ROOM }))?.code, 0);
    this.c?.close();
    this.c = null;
    this.own.clear();
  }

  /** The server drops the socket; the session waits in its grace window while others act. */
  async drop(server: MiniRtcServer): Promise<void> {
    const old = this.c as Client;
    assert.ok(server.dropConnection(APP_ID, this.userID));
    await old.closed;
    this.away = true;
  }

  /** A new socket resumes from the last push applied: the missed ones must follow, in order. */
  async resume(server: MiniRtcServer): Promise<void> {
    const c = await Client.open(server.wsUrl);
    this.#attach(c);
    const res = await c.req('resume', {
      sessionID: this.sessionID,
      resumeKey: this.resumeKey,
      lastSeq: this.lastSeq,
    });
    assert.equal(res.code, 0);
    this.away = false;
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
    fc.record({ kind: fc.constant('resume' as const), u: fc.nat(3) }),
    fc.record({ kind: fc.constant('relogin' as const), u: fc.nat(3) }),
    fc.record({ kind: fc.constant('kick' as const), u: fc.nat(3) }),
    fc.record({ kind: fc.constant('publish' as const), u: fc.nat(3), s: fc.nat(2) }),
    fc.record({ kind: fc.constant('live' as const), s: fc.nat(2) }),
    fc.record({ kind: fc.constant('gone' as const), s: fc.nat(2) }),
    fc.record({ kind: fc.constant('stop' as const), u: fc.nat(3), s: fc.nat(2) }),
  );

  it('snapshot + pushes always add up to the server’s truth, through joins, leaves, drops/resumes, re-logins, kicks and streams', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 25 }), async (actions) => {
        const viewers = USERS.map((u) => new Viewer(u));
        try {
          for (const a of actions) {
            const sid = 's' in a ? `model-s${a.s}` : '';
            // The media side acts on streams whoever holds them (unreserved ones are ignored).
            if (a.kind === 'live') server.media.streamLive(APP_ID, sid);
            if (a.kind === 'gone') server.media.streamGone(APP_ID, sid, 'gone');
            if (!('u' in a)) continue;
            const v = viewers[a.u] as Viewer;
            const here = v.c && !v.away ? v.c : null;
            if (a.kind === 'join' && !v.c) await v.join(server);
            else if (a.kind === 'resume' && v.away) await v.resume(server);
            else if (a.kind === 'relogin' && v.c) {
              // Taking over a session in its grace window must be invisible to everyone else.
              const silent = v.away;
              const others = viewers.filter((o) => o !== v && o.c && !o.away);
              const before = others.map((o) => o.changes.length);
              await v.relogin(server);
              if (silent) {
                for (const o of others) await o.c?.req('ping');
                const after = others.flatMap((o, i) => o.changes.slice(before[i]));
                assert.deepEqual(after, [], `${v.userID}'s silent takeover was seen`);
              }
            } else if (a.kind === 'kick' && v.c) await v.kicked(server);
            else if (!here) continue;
            else if (a.kind === 'leave') await v.leave();
            else if (a.kind === 'drop') await v.drop(server);
            else if (a.kind === 'publish') {
              if ((await here.req('publish', { roomID: ROOM, streamID: sid })).code === 0) v.own.add(sid);
            } else if (a.kind === 'stop' && v.own.has(sid)) {
              assert.equal((await here.req('stopPublish', { roomID: ROOM, streamID: sid })).code, 0);
              v.own.delete(sid);
            }
          }
          for (const v of viewers) if (v.away) await v.resume(server);
          // A round trip per client: every push owed to it has arrived and been applied.
          const present = viewers.filter((v) => v.c);
          for (const v of present) await v.c?.req('ping');
          assert.deepEqual(
            viewers.flatMap((v) => v.problems),
            [],
          );
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
      { numRuns: 100 },
    );
  });
});

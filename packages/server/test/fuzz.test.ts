import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '@minirtc/protocol';
import { clientSchemas } from '@minirtc/protocol';
import fc from 'fast-check';
import { APP_ID, loginClient, startServer } from './helpers.js';

const types = Object.keys(clientSchemas);
// Mostly the fixture's real IDs, so many frames pass the schema and reach the handlers.
const ids = fc.oneof(
  { arbitrary: fc.constantFrom('fz1', 'fz2', 'r-fuzz', 's-fuzz'), weight: 6 },
  { arbitrary: fc.constantFrom('', 'x'.repeat(300), 'bad id', '好', 'r-other', 's-other'), weight: 2 },
);
const field = fc.oneof(
  { arbitrary: ids, weight: 6 },
  {
    arbitrary: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.anything({ maxDepth: 2 })),
    weight: 1,
  },
);

/** A frame that looks like a request: a known type, a reqId, and plausible or hostile fields. */
const frame = fc.record(
  {
    type: fc.constantFrom(...types),
    roomID: field,
    streamID: field,
    userID: field,
    message: fc.oneof(fc.string({ maxLength: 40 }), field),
    command: field,
    toUserIDs: fc.oneof(fc.array(ids, { maxLength: 4 }), field),
    key: field,
    value: field,
    extraInfo: field,
    token: field,
    lastSeq: fc.oneof(fc.nat(), field),
    appID: fc.oneof(fc.constant(APP_ID), field),
    user: fc.oneof(fc.record({ userID: ids }), field),
    sessionID: field,
    resumeKey: field,
    kind: fc.oneof(fc.constantFrom('publish', 'play'), field),
    code: field,
    state: field,
  },
  { requiredKeys: ['type'] },
);

describe('random requests', () => {
  it('every request gets exactly one res, never an internal error, and the server keeps serving', async () => {
    const server = await startServer({ limits: { framesPerSecond: 1e6, framesBurst: 1e6, abuseBurst: 1e6 } });
    const errors: Error[] = [];
    server.on('error', (e) => errors.push(e));
    try {
      const { c } = await loginClient(server, 'fz1', 'r-fuzz');
      const { c: peer } = await loginClient(server, 'fz2', 'r-fuzz');
      await c.req('publish', { roomID: 'r-fuzz', streamID: 's-fuzz' });
      let reqId = 1000;
      await fc.assert(
        fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 20 }), async (frames) => {
          const sent = frames.map((f) => ({ ...f, reqId: ++reqId }));
          // logout/login would change the fixture; keep the session in the room.
          const safe = sent.filter((f) => f.type !== 'logout');
          for (const f of safe) c.send(f);
          const replies = await Promise.all(
            safe.map((f) => c.next((m) => m.type === 'res' && m.reqId === f.reqId)),
          );
          for (const [i, r] of replies.entries()) {
            assert.equal(typeof r.code, 'number');
            assert.notEqual(
              r.code,
              ErrorCode.INTERNAL_ERROR,
              `internal error for ${JSON.stringify(safe[i])}`,
            );
          }
          return true;
        }),
        { numRuns: 100 },
      );
      // Exactly one res each: after a final round trip, no stray replies are left over.
      await c.req('ping');
      assert.deepEqual(c.pending('res'), []);
      assert.deepEqual(errors, []);
      assert.equal(c.closeCode, null);
      assert.equal((await peer.req('ping')).code, 0);
      c.close();
      peer.close();
    } finally {
      await server.close();
    }
  });
});

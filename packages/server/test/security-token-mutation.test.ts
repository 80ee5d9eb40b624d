/**
 * Security suite — token mutations (issue 8): whatever byte of a valid token04 is changed, CBC or
 * GCM, a login over a real WebSocket gets the one failure reply (same code, same message). CBC has
 * no MAC, so this covers what AES-GCM's tag would otherwise hide: a flipped IV byte can turn the
 * plaintext into valid JSON for another AppID, and that must look like every other failure too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@minirtc/protocol';
import { type Token04Mode, generateToken04 } from '@minirtc/protocol/crypto';
import fc from 'fast-check';
import type { MiniRtcServer } from '../src/server.js';
import { APP_ID, Client, SECRET, startServer } from './helpers.js';

describe('security: any byte mutation of a valid token gets the single failure reply', () => {
  let server: MiniRtcServer;
  let c: Client;
  before(async () => {
    server = await startServer({
      limits: {
        framesPerSecond: 100_000,
        framesBurst: 100_000,
        abusePerSecond: 100_000,
        abuseBurst: 100_000,
      },
      // The property sends hundreds of failing logins from one address: no budget, no reply delay.
      security: {
        tokenFailureReplyMs: 0,
        loginFailureBurstPerAddress: 1_000_000,
        loginFailureBurstPerApp: 1_000_000,
      },
    });
    c = await Client.open(server.wsUrl);
  });
  after(async () => {
    c.close();
    await server.close();
  });

  for (const mode of ['cbc', 'gcm'] as Token04Mode[]) {
    it(`${mode.toUpperCase()}: every mutated byte, every xor value`, async () => {
      const valid = generateToken04({ appID: APP_ID, userID: 'mu', secret: SECRET, ttlSeconds: 600, mode });
      const raw = Buffer.from(valid.slice(2), 'base64');
      const login = (token: string) =>
        c.req('login', { appID: APP_ID, roomID: 'r-mut', token, user: { userID: 'mu' } });
      // The unmutated token is accepted (so a failure below is the mutation's doing)…
      assert.equal((await login(valid)).code, 0);
      assert.equal((await c.req('logout', { roomID: 'r-mut' })).code, 0);
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: raw.length - 1 }), fc.integer({ min: 1, max: 255 }), async (i, x) => {
          const m = Buffer.from(raw);
          m[i] = (m[i] as number) ^ x;
          const res = await login(`04${m.toString('base64')}`);
          assert.deepEqual(
            { code: res.code, message: res.message },
            { code: ErrorCode.TOKEN_MALFORMED, message: 'token is invalid' },
            `byte ${i} ^ ${x}`,
          );
        }),
        { numRuns: 400 },
      );
      // …and every IV byte (the CBC malleable part) through all 255 changes of one of its values.
      const ivStart = 10;
      for (let x = 1; x < 256; x++) {
        const m = Buffer.from(raw);
        m[ivStart + (x % 12)] = (m[ivStart + (x % 12)] as number) ^ x;
        const res = await login(`04${m.toString('base64')}`);
        assert.equal(res.code, ErrorCode.TOKEN_MALFORMED, `iv byte ${x % 12} ^ ${x}`);
        assert.equal(res.message, 'token is invalid');
      }
    });
  }
});

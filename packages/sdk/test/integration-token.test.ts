import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MiniRtcServer } from '@minirtc/server';
import type { ZegoExpressEngine } from '../src/index.js';
import { APP_ID, loginAs, makeEngine, startServer, token } from './helpers/integration.js';
import { once, record } from './helpers/once.js';

describe('token lifetime against the real server', () => {
  let server: MiniRtcServer;
  const engines: ZegoExpressEngine[] = [];
  before(async () => {
    server = await startServer({ tokenWillExpireSeconds: 1.5 });
  });
  after(async () => {
    for (const e of engines) e.destroyEngine();
    await server.close();
  });

  it('tokenWillExpire before expiry; renewToken keeps the user in; without it the room kicks with 1102018', async () => {
    const renewer = makeEngine(server).engine;
    const lapser = makeEngine(server).engine;
    engines.push(renewer, lapser);
    const warned = once<[string]>(renewer, 'tokenWillExpire', () => true, 5000);
    const renewerStates = record(renewer, ['roomStateUpdate']);
    await loginAs(renewer, 'tr', 'room-token', { userUpdate: true }, { ttl: 2 });
    const kicked = once<[string, string, number]>(
      lapser,
      'roomStateUpdate',
      (_r, s) => s === 'DISCONNECTED',
      8000,
    );
    const reason = once<[string, string, number]>(
      lapser,
      'roomStateChanged',
      (_r, s) => s === 'KICKOUT',
      8000,
    );
    await loginAs(lapser, 'tl', 'room-token', { userUpdate: true }, { ttl: 3 });

    const [roomID] = await warned;
    assert.equal(roomID, 'room-token');
    assert.equal(renewer.renewToken(token('tr', 'room-token', { ttl: 3600 }), 'room-token'), true);
    assert.equal(renewer.renewToken('', 'room-token'), false);
    assert.equal(renewer.renewToken(token('tr', 'room-token'), 'not-my-room'), false);

    // the lapser's token (1 s longer than the renewer's old one) runs out: by then the renewer's
    // old expiry has passed too, so the renewal really took effect
    assert.equal((await kicked)[2], 1102018);
    assert.equal((await reason)[2], 1102018);
    assert.deepEqual(
      server.roomUsers(APP_ID, 'room-token').map((u) => u.userID),
      ['tr'],
    );
    assert.equal((await renewer.sendBroadcastMessage('room-token', 'still here')).errorCode, 0);
    assert.deepEqual(
      renewerStates.map((e) => e[2]),
      ['CONNECTING', 'CONNECTED'],
    );
  });
});

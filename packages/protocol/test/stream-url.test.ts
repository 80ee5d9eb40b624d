import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signStreamUrl, streamSigningKey, verifyGrant } from '../src/crypto.js';
import type { StreamGrant } from '../src/crypto.js';
import { ErrorCode, MiniRtcError } from '../src/index.js';

const key = streamSigningKey('fa94dd0f974cf2e293728a526b028271');
const g: StreamGrant = {
  appID: 7,
  roomID: 'room1',
  streamID: 's1',
  action: 'push',
  userID: 'u1',
  sessionID: 'sess',
  expire: 2000,
};
const parse = (url: string) => {
  const u = new URL(url);
  return { stream: u.pathname.split('/').pop()!, q: Object.fromEntries(u.searchParams) };
};
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MiniRtcError);
    return e.code;
  }
  assert.fail('no throw');
};

describe('signed stream URLs', () => {
  it('round-trips', () => {
    const { stream, q } = parse(signStreamUrl('rtmp://127.0.0.1:1935/live', g, key));
    assert.deepEqual(
      verifyGrant(stream, q, () => key, 1000),
      g,
    );
  });
  it('rejects changes to any signed field, expiry and unknown apps', () => {
    const { stream, q } = parse(signStreamUrl('rtmp://h/live', g, key));
    for (const field of ['appid', 'room', 'uid', 'sid', 'act', 'exp'] as const) {
      const alt = {
        ...q,
        [field]: field === 'act' ? 'play' : field === 'exp' || field === 'appid' ? '9999' : 'zz',
      };
      assert.equal(
        code(() => verifyGrant(stream, alt, () => key, 1000)),
        ErrorCode.URL_SIGNATURE_INVALID,
        field,
      );
    }
    assert.equal(
      code(() => verifyGrant('s2', q, () => key, 1000)),
      ErrorCode.URL_SIGNATURE_INVALID,
    );
    assert.equal(
      code(() => verifyGrant(stream, q, () => key, 2000)),
      ErrorCode.URL_EXPIRED,
    );
    assert.equal(
      code(() => verifyGrant(stream, q, () => undefined, 1000)),
      ErrorCode.URL_SIGNATURE_INVALID,
    );
    assert.equal(
      code(() => verifyGrant(stream, {}, () => key, 1000)),
      ErrorCode.URL_SIGNATURE_INVALID,
    );
  });
});

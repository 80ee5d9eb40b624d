import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ErrorCode,
  MiniRtcError,
  checkRoomID,
  checkStreamID,
  checkUserID,
  parseClientMessage,
  utf8Length,
} from '../src/index.js';

function code(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MiniRtcError, String(e));
    return e.code;
  }
  assert.fail('expected a throw');
}

describe('ID rules', () => {
  it('use ZEGO codes', () => {
    assert.equal(
      code(() => checkRoomID('')),
      ErrorCode.ROOM_ID_EMPTY,
    );
    assert.equal(
      code(() => checkRoomID('a'.repeat(129))),
      ErrorCode.ROOM_ID_TOO_LONG,
    );
    assert.equal(
      code(() => checkRoomID('a b')),
      ErrorCode.ROOM_ID_ILLEGAL,
    );
    assert.equal(checkRoomID('a'.repeat(128)), 'a'.repeat(128));
    assert.equal(
      code(() => checkUserID('')),
      ErrorCode.USER_ID_EMPTY,
    );
    assert.equal(
      code(() => checkUserID('u'.repeat(65))),
      ErrorCode.USER_ID_TOO_LONG,
    );
    assert.equal(
      code(() => checkUserID('用户')),
      ErrorCode.USER_ID_ILLEGAL,
    );
    assert.equal(
      code(() => checkStreamID('')),
      ErrorCode.STREAM_ID_EMPTY,
    );
    assert.equal(
      code(() => checkStreamID('s'.repeat(257))),
      ErrorCode.STREAM_ID_TOO_LONG,
    );
    assert.equal(
      code(() => checkStreamID('a.b')),
      ErrorCode.STREAM_ID_ILLEGAL,
    );
    assert.equal(checkStreamID('Ab_0-9'), 'Ab_0-9');
  });

  it('utf8Length agrees with Buffer for any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => utf8Length(s) === Buffer.byteLength(s)));
  });
});

describe('parseClientMessage', () => {
  it('accepts a valid login and drops unknown fields', () => {
    const m = parseClientMessage(
      JSON.stringify({
        type: 'login',
        reqId: 1,
        appID: 42,
        roomID: 'r',
        token: 't',
        user: { userID: 'u' },
        extra: 'x',
      }),
    );
    assert.equal(m.type, 'login');
    assert.equal((m as { extra?: unknown }).extra, undefined);
  });

  it('gives a code for each kind of bad input', () => {
    assert.equal(
      code(() => parseClientMessage('{')),
      ErrorCode.JSON_PARSE_ERROR,
    );
    assert.equal(
      code(() => parseClientMessage('[]')),
      ErrorCode.INVALID_PARAM,
    );
    assert.equal(
      code(() => parseClientMessage('{"type":"nope"}')),
      ErrorCode.UNKNOWN_MESSAGE_TYPE,
    );
    assert.equal(
      code(() => parseClientMessage('{"type":"__proto__"}')),
      ErrorCode.UNKNOWN_MESSAGE_TYPE,
    );
    assert.equal(
      code(() => parseClientMessage('{"type":"broadcast","reqId":1,"roomID":"r","message":""}')),
      ErrorCode.MESSAGE_EMPTY,
    );
    const long = 'x'.repeat(1025);
    assert.equal(
      code(() => parseClientMessage(`{"type":"broadcast","reqId":1,"roomID":"r","message":"${long}"}`)),
      ErrorCode.MESSAGE_TOO_LONG,
    );
    assert.equal(
      code(() => parseClientMessage('{"type":"publish","reqId":1,"roomID":"r","streamID":"a b"}')),
      ErrorCode.STREAM_ID_ILLEGAL,
    );
    assert.equal(
      code(() =>
        parseClientMessage(
          '{"type":"setRoomExtraInfo","reqId":1,"roomID":"r","key":"12345678901","value":""}',
        ),
      ),
      ErrorCode.ROOM_EXTRA_INFO_KEY_TOO_LONG,
    );
    const e = (() => {
      try {
        parseClientMessage('{"type":"logout","reqId":"x","roomID":"r"}');
      } catch (err) {
        return err as MiniRtcError;
      }
    })();
    assert.equal(e?.code, ErrorCode.INVALID_PARAM);
    assert.match(e?.message ?? '', /reqId/);
  });

  it('never throws anything but MiniRtcError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom('login', 'publish', 'customCommand', 'x'), (v, t) => {
        const withType = typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...v, type: t } : v;
        try {
          parseClientMessage(JSON.stringify(withType));
        } catch (e) {
          return e instanceof MiniRtcError;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });
});

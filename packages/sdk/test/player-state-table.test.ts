import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RTMP_EVENT_TABLE, ruleForRtmpCode, rtmpEventCode } from '../src/player-state-table.js';
import { SdkErrorCode } from '../src/sdk-errors.js';

test('the four codes ZEGO reads on Alipay map to the contract states', () => {
  assert.deepEqual(
    [3800, 3801, 3802, 3803].map((c) => {
      const r = ruleForRtmpCode(c);
      return r && [r.kind, r.state, r.errorCode];
    }),
    [
      ['publish', 'PUBLISHING', 0],
      ['publish', 'NO_PUBLISH', SdkErrorCode.PUSH_FAILED],
      ['play', 'PLAYING', 0],
      ['play', 'NO_PLAY', SdkErrorCode.PLAY_FAILED],
    ],
  );
});

test('failures carry a non-zero code, successes zero', () => {
  for (const [code, rule] of Object.entries(RTMP_EVENT_TABLE)) {
    const fails = rule.state === 'NO_PUBLISH' || rule.state === 'NO_PLAY';
    assert.equal(rule.errorCode !== 0, fails, `code ${code}`);
  }
});

test('codes are read from event.detail.code, numbers or numeric strings; anything else is unknown', () => {
  assert.equal(rtmpEventCode({ detail: { code: 3800 } }), 3800);
  assert.equal(rtmpEventCode({ detail: { code: '3803' } }), 3803);
  assert.equal(rtmpEventCode({ detail: { code: '' } }), undefined);
  assert.equal(rtmpEventCode({ detail: {} }), undefined);
  assert.equal(rtmpEventCode({}), undefined);
  assert.equal(rtmpEventCode(null), undefined);
  assert.equal(rtmpEventCode({ detail: { code: 3800.5 } }), undefined);
  assert.equal(ruleForRtmpCode(1234), undefined);
  assert.equal(ruleForRtmpCode(undefined), undefined);
});

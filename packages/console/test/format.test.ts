import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, toApiError } from '../src/api-error.js';
import { formatAge, formatBitrate, formatTime } from '../src/format.js';

describe('formatting', () => {
  it('formats ms and Unix-second timestamps alike, and nothing for missing ones', () => {
    const ms = new Date(2026, 10, 25, 9, 5, 7, 42).getTime();
    assert.equal(formatTime(ms), '2026-11-25 09:05:07.042');
    assert.equal(formatTime(Math.floor(ms / 1000)), '2026-11-25 09:05:07.000');
    assert.equal(formatTime(null), '');
    assert.equal(formatTime(undefined), '');
  });

  it('formats ages in s, min and h', () => {
    const now = 10_000_000_000_000;
    assert.equal(formatAge(now - 5_400, now), '5 s');
    assert.equal(formatAge(now - 3 * 60_000, now), '3 min');
    assert.equal(formatAge(now - 2 * 3_600_000 - 5, now), '2 h');
    assert.equal(formatAge(now + 1000, now), '0 s', 'a clock ahead of ours is not negative');
  });

  it('formats bitrates', () => {
    assert.equal(formatBitrate(796_173), '796 kbit/s');
    assert.equal(formatBitrate(2_450_000), '2.5 Mbit/s');
    assert.equal(formatBitrate(null), '');
  });
});

describe('API errors', () => {
  it('shows the code, the HTTP status and the message', () => {
    assert.equal(
      new ApiError(401, 1990073, 'admin key missing or invalid').describe(),
      'Error 1990073 (HTTP 401): admin key missing or invalid',
    );
    assert.equal(
      new ApiError(0, 0, 'cannot reach the server').describe(),
      'Error 0: cannot reach the server',
    );
  });

  it('wraps anything thrown', () => {
    const e = new ApiError(400, 1, 'x');
    assert.equal(toApiError(e), e);
    assert.equal(toApiError(new TypeError('boom')).describe(), 'Error 0: boom');
    assert.equal(toApiError('plain').message, 'plain');
  });
});

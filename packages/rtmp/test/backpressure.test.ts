import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BackpressureState, admit } from '../src/hub/backpressure.js';

const limits = { soft: 1000, hard: 4000, maxDropMs: 5000 };
const key = { typeId: 9, keyframe: true };
const inter = { typeId: 9, keyframe: false };
const audio = { typeId: 8, keyframe: false };
const video = { hasVideo: true };

function fresh(): BackpressureState {
  return { waitingKeyframe: false, droppingSince: null };
}

describe('backpressure policy', () => {
  it('writes everything while under the soft limit', () => {
    const p = fresh();
    for (const m of [key, inter, audio]) assert.equal(admit(p, m, 999, limits, 0, video), 'write');
  });

  it('skips from the soft limit until a keyframe after the queue halves', () => {
    const p = fresh();
    assert.equal(admit(p, inter, 1001, limits, 10, video), 'skip');
    assert.equal(p.droppingSince, 10);
    assert.equal(admit(p, audio, 0, limits, 20, video), 'skip', 'audio does not resume a video stream');
    assert.equal(admit(p, key, 600, limits, 30, video), 'skip', 'queue not yet at half the limit');
    assert.equal(admit(p, key, 500, limits, 40, video), 'write');
    assert.equal(p.droppingSince, null);
    assert.equal(admit(p, inter, 0, limits, 50, video), 'write');
  });

  it('resumes an audio-only stream on audio', () => {
    const p = fresh();
    assert.equal(admit(p, audio, 2000, limits, 0, { hasVideo: false }), 'skip');
    assert.equal(admit(p, audio, 100, limits, 1, { hasVideo: false }), 'write');
  });

  it('closes past the hard limit or after skipping too long', () => {
    assert.deepEqual(admit(fresh(), key, 4001, limits, 0, video), {
      close: 'player too slow: 4001 bytes pending',
    });
    const p = fresh();
    admit(p, inter, 2000, limits, 0, video);
    assert.equal(admit(p, inter, 2000, limits, 5000, video), 'skip');
    assert.match((admit(p, inter, 2000, limits, 5001, video) as { close: string }).close, /too long/);
  });

  it('holds back inter frames while waiting for a keyframe, but never audio', () => {
    const p: BackpressureState = { waitingKeyframe: true, droppingSince: null };
    assert.equal(admit(p, inter, 0, limits, 0, video), 'skip');
    assert.equal(admit(p, audio, 0, limits, 0, video), 'write');
    assert.equal(admit(p, key, 0, limits, 0, video), 'write');
    assert.equal(p.waitingKeyframe, false);
    assert.equal(admit(p, inter, 0, limits, 0, video), 'write');
  });
});

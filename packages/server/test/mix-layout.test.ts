/** The mixer's pure parts: the automatic grid and the ffmpeg filter graph it builds. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gridLayout, mixArgs } from '../src/mixing/mix-layout.js';

describe('mix layout', () => {
  it('lays inputs on the smallest near-square grid, even-sized tiles', () => {
    assert.deepEqual(gridLayout(1, 640, 360), [{ left: 0, top: 0, right: 640, bottom: 360 }]);
    assert.deepEqual(
      gridLayout(2, 640, 360).map((r) => [r.left, r.top, r.right, r.bottom]),
      [
        [0, 0, 320, 360],
        [320, 0, 640, 360],
      ],
    );
    const four = gridLayout(4, 640, 360);
    assert.deepEqual(four[3], { left: 320, top: 180, right: 640, bottom: 360 });
    const five = gridLayout(5, 642, 362);
    assert.equal(five.length, 5);
    for (const r of five) assert.equal((r.right - r.left) % 2, 0);
    assert.deepEqual(gridLayout(0, 640, 360), []);
  });

  it('builds a graph over a paced black canvas and silence, overlaying only live inputs', () => {
    const rects = gridLayout(3, 320, 180);
    const args = mixArgs(
      [
        { rect: rects[0]!, url: 'rtmp://h/live/a' },
        { rect: rects[1]!, url: null },
        { rect: rects[2]!, url: 'rtmp://h/live/c' },
      ],
      { width: 320, height: 180, fps: 15, videoBitrate: 300_000 },
      'rtmp://h/live/out',
    );
    const inputs = args.flatMap((a, i) => (a === '-i' ? [args[i + 1]] : []));
    assert.deepEqual(inputs.slice(2), ['rtmp://h/live/a', 'rtmp://h/live/c']);
    const graph = args[args.indexOf('-filter_complex') + 1] as string;
    assert.match(graph, /\[0:v\]\[v0\]overlay=x=0:y=0:eof_action=pass/);
    assert.match(graph, /overlay=x=0:y=90:eof_action=pass:shortest=0\[vout\]/, 'c goes to the third tile');
    assert.match(graph, /\[1:a\]\[a0\]\[a1\]amix=inputs=3:duration=first/);
    assert.equal(args.at(-1), 'rtmp://h/live/out');
    assert.ok(args.includes('300k'));
    const none = mixArgs(
      [{ rect: rects[0]!, url: null }],
      { width: 320, height: 180, fps: 15, videoBitrate: 300_000 },
      'o',
    );
    assert.match(none[none.indexOf('-filter_complex') + 1] as string, /\[0:v\]null\[vout\]/);
  });
});

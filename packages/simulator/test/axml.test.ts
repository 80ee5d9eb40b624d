import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allElements,
  evaluate,
  parseAxml,
  parseExpression,
  renderAxml,
  SimulatorError,
  SimulatorErrorCode,
  textContent,
} from '../src/index.js';

const ev = (src: string, scope: Record<string, unknown> = {}) =>
  evaluate(parseExpression(src), (n) => (Object.hasOwn(scope, n) ? scope[n] : undefined));

describe('expressions', () => {
  it('evaluates literals, member access, arithmetic, concat, logic and ternaries', () => {
    const s = { a: { b: [10, 20] }, n: 3, s: 'x', t: true, key: 'b' };
    assert.equal(ev('a.b[1]', s), 20);
    assert.equal(ev('a[key][0] + n * 2 - 1', s), 15);
    assert.equal(ev("'pre-' + s + n", s), 'pre-x3');
    assert.equal(ev('t ? "yes" : "no"', s), 'yes');
    assert.equal(ev('!t || n >= 3 && n !== 4', s), true);
    assert.equal(ev('n % 2 === 1 ? (n > 2 ? "big" : "small") : "even"', s), 'big');
    assert.equal(ev('missing.deep.path', s), undefined);
    assert.equal(ev('missing ?? "dflt"', s), 'dflt');
    assert.deepEqual(ev('[n, s]', s), [3, 'x']);
    assert.deepEqual(ev('a: n, s', s), { a: 3, s: 'x' });
    assert.equal(ev('-n + +"2"', s), -1);
    // biome-ignore lint/suspicious/noDoubleEquals: the evaluator must implement loose equality.
    assert.equal(ev('n == "3"', s), 3 == Number('3'));
  });

  it('refuses calls and prototype access', () => {
    assert.throws(
      () => ev('a.toString()', { a: 1 }),
      (e: unknown) => e instanceof SimulatorError && e.code === SimulatorErrorCode.EXPRESSION_ERROR,
    );
    assert.equal(ev('a.constructor', { a: {} }), undefined);
    assert.equal(ev('a["__proto__"]', { a: {} }), undefined);
    assert.equal(ev('toString', {}), undefined, 'scope lookup ignores inherited names');
  });

  it('reports syntax errors with the expression text', () => {
    assert.throws(() => ev('a +'), /'\{\{a \+\}\}'/);
    assert.throws(() => ev('(a'), SimulatorError);
    assert.throws(() => ev("'open"), /unterminated/);
  });
});

describe('AXML parse + render', () => {
  const render = (src: string, data: Record<string, unknown>) => renderAxml(parseAxml(src), data);

  it('chooses a:if / a:elif / a:else branches', () => {
    const src = `<view a:if="{{n > 2}}">big</view><view a:elif="{{n === 2}}">two</view><view a:else>small</view>`;
    assert.equal(textContent(render(src, { n: 5 })), 'big');
    assert.equal(textContent(render(src, { n: 2 })), 'two');
    assert.equal(textContent(render(src, { n: 0 })), 'small');
    assert.equal(render(src, { n: 0 }).children.length, 1, 'only one branch renders');
  });

  it('repeats a:for with default and named item/index, and nests loops', () => {
    const data = {
      rows: [
        { name: 'a', tags: ['x', 'y'] },
        { name: 'b', tags: [] },
      ],
    };
    const def = render(`<view a:for="{{rows}}">{{index}}={{item.name}}</view>`, data);
    assert.deepEqual(def.children.map(textContent), ['0=a', '1=b']);
    const named = render(
      `<view a:for="{{rows}}" a:for-item="row" a:for-index="i"><text a:for="{{row.tags}}">{{i}}{{item}}</text></view>`,
      data,
    );
    assert.deepEqual(
      allElements(named)
        .filter((e) => e.tag === 'text')
        .map(textContent),
      ['0x', '0y'],
    );
    const filtered = render(`<view a:for="{{rows}}" a:if="{{item.tags.length}}">{{item.name}}</view>`, data);
    assert.equal(textContent(filtered), 'a', 'a:if is evaluated per item');
  });

  it('keeps the type of whole-value bindings and stringifies mixed ones; splits events and dataset', () => {
    const src = `<rtc-room id="{{id}}" extraInfo="{{info}}" enable-camera="{{cam}}" class="c {{cls}}" onRtmpEvent="onRtmpEvent" data-user-id="{{uid}}" data-role="1" autoplay/>`;
    const [room] = render(src, {
      id: 'r1',
      info: { rtmpPushUrl: 'rtmp://x' },
      cam: false,
      cls: 'big',
      uid: 7,
    }).children;
    assert.ok(room?.type === 'element');
    assert.equal(room.id, 'r1');
    assert.deepEqual(room.attrs['extraInfo'], { rtmpPushUrl: 'rtmp://x' });
    assert.equal(room.attrs['enable-camera'], false);
    assert.equal(room.attrs['class'], 'c big');
    assert.equal(room.attrs['autoplay'], true);
    assert.deepEqual(room.events, { onRtmpEvent: 'onRtmpEvent' });
    assert.deepEqual(room.dataset, { userId: 7, role: '1' });
  });

  it("renders the article's template: bindings with '>' inside quotes, comments, self-closing tags", () => {
    const src = `<!-- a comment with <tags> -->
      <view class='x'>
        <button onTap="enableCamera" data-role="0">
          {{ rtcroom.enableCamera ? "关闭摄像头" : "开启摄像头"}}
        </button>
        <input value="{{roomID}}" onInput="keyInput" placeholder-style='color: #b3b3b3; font-size: 14px;'/>
        <text>{{ a > b ? 'gt' : 'le' }}</text>
      </view>`;
    const tree = render(src, { rtcroom: { enableCamera: true }, roomID: 'r', a: 2, b: 1 });
    const texts = allElements(tree).map((e) => `${e.tag}:${textContent(e)}`);
    assert.deepEqual(texts, ['view:关闭摄像头 gt', 'button:关闭摄像头', 'input:', 'text:gt']);
  });

  it('supports block and template', () => {
    const src = `<template name="card"><text>{{title}}:{{n}}</text></template>
      <block a:if="{{on}}"><template is="card" data="{{title: t, n: 1}}"/></block>`;
    assert.equal(textContent(render(src, { on: true, t: 'T' })), 'T:1');
    assert.equal(textContent(render(src, { on: false, t: 'T' })), '');
  });

  it('reports unbalanced markup with a line number', () => {
    assert.throws(() => parseAxml('<view>\n<text></view></text>'), /index.axml:2/);
    assert.throws(
      () => parseAxml('<view>'),
      (e: unknown) => e instanceof SimulatorError && e.code === SimulatorErrorCode.AXML_PARSE_ERROR,
    );
    assert.throws(() => parseAxml('<view a="x>'), SimulatorError);
  });
});

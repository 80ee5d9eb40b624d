/** Placement of new streams on media nodes: least loaded, a room's streams together, drain and death. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type PlacementNode, nodeLoad, placeStream } from '../src/cluster/media-placement.js';
import { parseRegistryEvent, parseStreamField, streamField } from '../src/cluster/media-keys.js';

function node(id: string, load: Partial<PlacementNode> = {}): PlacementNode {
  return { id, streams: 0, players: 0, pending: 0, draining: false, gone: false, ...load };
}
const none = new Map<string, number>();

describe('media placement', () => {
  it('counts streams, players and pending placements as load', () => {
    assert.equal(nodeLoad(node('a', { streams: 2, players: 5, pending: 1 })), 8);
  });

  it('puts a new stream on the least loaded node', () => {
    const nodes = [
      node('a', { streams: 3, players: 4 }),
      node('b', { streams: 1, players: 1 }),
      node('c', { players: 9 }),
    ];
    assert.equal(placeStream(nodes, none)?.id, 'b');
  });

  it('counts pending placements, so a burst spreads before the next heartbeat', () => {
    const nodes = [node('a', { pending: 2 }), node('b', { streams: 1 })];
    assert.equal(placeStream(nodes, none)?.id, 'b');
  });

  it('breaks ties by node id, so every signaling node picks the same', () => {
    assert.equal(placeStream([node('b'), node('a')], none)?.id, 'a');
  });

  it('keeps a room together on a busier node within the slack', () => {
    const nodes = [node('a', { streams: 5 }), node('b')];
    assert.equal(placeStream(nodes, new Map([['a', 2]]), { roomSlack: 10 })?.id, 'a');
  });

  it('prefers the node holding most of the room', () => {
    const nodes = [node('a', { streams: 2 }), node('b', { streams: 3 }), node('c')];
    assert.equal(
      placeStream(
        nodes,
        new Map([
          ['a', 1],
          ['b', 3],
        ]),
        { roomSlack: 10 },
      )?.id,
      'b',
    );
  });

  it('spills a room to the least loaded node beyond the slack', () => {
    const nodes = [node('a', { streams: 20 }), node('b', { streams: 1 })];
    assert.equal(placeStream(nodes, new Map([['a', 4]]), { roomSlack: 10 })?.id, 'b');
  });

  it('never places on a draining or gone node, even one holding the room', () => {
    const nodes = [node('a', { draining: true }), node('b', { gone: true }), node('c', { streams: 50 })];
    assert.equal(
      placeStream(
        nodes,
        new Map([
          ['a', 3],
          ['b', 3],
        ]),
      )?.id,
      'c',
    );
  });

  it('answers undefined when no node can take a stream', () => {
    assert.equal(placeStream([node('a', { draining: true }), node('b', { gone: true })], none), undefined);
    assert.equal(placeStream([], none), undefined);
  });
});

describe('media registry encoding', () => {
  it('round-trips stream fields, streamIDs with colons included', () => {
    assert.deepEqual(parseStreamField(streamField(42, 'a:b')), { appID: 42, streamID: 'a:b' });
    assert.equal(parseStreamField('x:y'), undefined);
    assert.equal(parseStreamField('42:'), undefined);
  });

  it('accepts only well-formed events from the channel', () => {
    const e = { kind: 'live', node: 'm1', appID: 1, streamID: 's', roomID: 'r' };
    assert.deepEqual(parseRegistryEvent(JSON.stringify(e)), e);
    assert.deepEqual(parseRegistryEvent('{"kind":"node","node":"m1"}'), { kind: 'node', node: 'm1' });
    assert.equal(
      parseRegistryEvent('{"kind":"live","node":"m1","appID":"1","streamID":"s","roomID":"r"}'),
      undefined,
    );
    assert.equal(parseRegistryEvent('{"kind":"other","node":"m1"}'), undefined);
    assert.equal(parseRegistryEvent('not json'), undefined);
    assert.equal(parseRegistryEvent('null'), undefined);
  });
});

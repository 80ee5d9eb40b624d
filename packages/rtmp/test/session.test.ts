import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeAmf0 } from '../src/amf0.js';
import { MessageType, userControlMessage, windowAckSizeMessage, writeMessage } from '../src/chunk-writer.js';
import { RtmpErrorCode } from '../src/errors.js';
import { RtmpSession, type StreamCommand } from '../src/rtmp-session.js';
import { ServerOutput, clientScript, command, tags } from './helpers.js';

function harness() {
  const s = new RtmpSession();
  const out = new ServerOutput();
  const events: string[] = [];
  const reqs: StreamCommand[] = [];
  let endCode: number | null | undefined;
  s.on('send', (b) => out.push(b));
  s.on('connect', (i) => events.push(`connect:${i.app}:${JSON.stringify(i.query)}`));
  s.on('publish', (c) => {
    events.push(`publish:${c.name}`);
    reqs.push(c);
  });
  s.on('play', (c) => {
    events.push(`play:${c.name}`);
    reqs.push(c);
  });
  s.on('unpublish', (id) => events.push(`unpublish:${id}`));
  s.on('media', (_id, m) => events.push(`media:${m.typeId}:${m.timestamp}`));
  s.on('metadata', (_id, _b, v) => events.push(`metadata:${JSON.stringify(v)}`));
  s.on('end', (e) => {
    endCode = e ? e.code : null;
  });
  return { s, out, events, reqs, end: () => endCode };
}

describe('RTMP session', () => {
  it('runs connect → createStream → publish, then relays media and metadata', () => {
    const h = harness();
    const script = clientScript('publish', 'live', 'cam1?token=abc');
    for (const b of script) h.s.feed(b);
    assert.deepEqual(h.events, ['connect:live:{}', 'publish:cam1']);
    assert.deepEqual(h.reqs[0]!.query, { token: 'abc' });
    assert.equal(h.s.outChunkSize, 4096);
    assert.deepEqual(h.out.codes(), ['_result', '_result', '_result', 'onFCPublish', '_result']);
    h.s.acceptPublish(1);
    assert.equal(h.out.codes().at(-1), 'NetStream.Publish.Start');
    h.s.feed(
      writeMessage(
        5,
        MessageType.DATA_AMF0,
        1,
        0,
        encodeAmf0('@setDataFrame', 'onMetaData', { width: 320 }),
        128,
      ),
    );
    h.s.feed(writeMessage(6, MessageType.VIDEO, 1, 40, tags.avcKey(), 128));
    h.s.feed(writeMessage(4, MessageType.AUDIO, 1, 41, tags.aacFrame(), 128));
    assert.deepEqual(h.events.slice(2), ['metadata:{"width":320}', 'media:9:40', 'media:8:41']);
    h.s.feed(command(0, 'FCUnpublish', 6, null, 'cam1'));
    h.s.feed(command(0, 'deleteStream', 7, null, 1));
    assert.equal(h.events.at(-1), 'unpublish:1');
    assert.equal(h.events.filter((e) => e.startsWith('unpublish')).length, 1);
    assert.equal(h.end(), undefined);
  });

  it('gives the same events fed one byte at a time', () => {
    const whole = harness();
    const bytes = Buffer.concat([
      ...clientScript('publish', 'live', 'cam1?token=abc'),
      writeMessage(5, MessageType.DATA_AMF0, 1, 0, encodeAmf0('@setDataFrame', 'onMetaData', { w: 1 }), 128),
      writeMessage(6, MessageType.VIDEO, 1, 40, tags.avcKey(500), 128),
    ]);
    whole.s.on('publish', (c) => whole.s.acceptPublish(c.streamId));
    whole.s.feed(bytes);
    const bytewise = harness();
    bytewise.s.on('publish', (c) => bytewise.s.acceptPublish(c.streamId));
    for (const b of bytes) bytewise.s.feed(Buffer.from([b]));
    assert.deepEqual(bytewise.events, whole.events);
    assert.deepEqual(whole.events, ['connect:live:{}', 'publish:cam1', 'metadata:{"w":1}', 'media:9:40']);
    assert.deepEqual(bytewise.out.codes(), whole.out.codes());
  });

  it('ignores media before the publish is accepted', () => {
    const h = harness();
    for (const b of clientScript('publish', 'live', 'x')) h.s.feed(b);
    h.s.feed(writeMessage(6, MessageType.VIDEO, 1, 40, tags.avcKey(), 128));
    assert.ok(!h.events.some((e) => e.startsWith('media')));
  });

  it('answers play with StreamBegin, Play.Reset and Play.Start', () => {
    const h = harness();
    for (const b of clientScript('play', 'live', 'cam1')) h.s.feed(b);
    assert.equal(h.events.at(-1), 'play:cam1');
    h.s.acceptPlay(1);
    assert.deepEqual(h.out.codes().slice(-2), ['NetStream.Play.Reset', 'NetStream.Play.Start']);
    const uc = h.out.messages.find((m) => m.typeId === MessageType.USER_CONTROL);
    assert.ok(uc && uc.payload.readUInt16BE(0) === 0 && uc.payload.readUInt32BE(2) === 1);
  });

  it('refuses with an error status and ends', () => {
    const h = harness();
    for (const b of clientScript('publish', 'live', 'x')) h.s.feed(b);
    h.s.refuse(1, 'Unauthorized', 'bad signature');
    assert.equal(h.out.codes().at(-1), 'NetStream.Publish.Unauthorized');
    assert.equal(h.end(), RtmpErrorCode.UNAUTHORIZED);
    const h2 = harness();
    for (const b of clientScript('play', 'live', 'x')) h2.s.feed(b);
    h2.s.refuse(1, 'NotFound', 'no such stream');
    assert.equal(h2.out.codes().at(-1), 'NetStream.Play.StreamNotFound');
  });

  it('answers pings and acknowledges as the peer window requires', () => {
    const h = harness();
    const script = clientScript('publish', 'live', 'x');
    for (const b of script.slice(0, 3)) h.s.feed(b);
    h.s.feed(userControlMessage(6, 12345));
    const pong = h.out.messages.find(
      (m) => m.typeId === MessageType.USER_CONTROL && m.payload.readUInt16BE(0) === 7,
    );
    assert.equal(pong?.payload.readUInt32BE(2), 12345);
    h.s.ping(99);
    const ping = h.out.messages.find(
      (m) => m.typeId === MessageType.USER_CONTROL && m.payload.readUInt16BE(0) === 6,
    );
    assert.equal(ping?.payload.readUInt32BE(2), 99);
    h.s.feed(windowAckSizeMessage(5000));
    for (const b of script.slice(3)) h.s.feed(b);
    h.s.acceptPublish(1);
    for (let i = 0; i < 20; i++) h.s.feed(writeMessage(6, MessageType.VIDEO, 1, i, tags.avcInter(1000), 128));
    const acks = h.out.messages
      .filter((m) => m.typeId === MessageType.ACK)
      .map((m) => m.payload.readUInt32BE(0));
    assert.ok(acks.length >= 3, `acks: ${acks}`);
    for (let i = 1; i < acks.length; i++) assert.ok(acks[i]! - acks[i - 1]! >= 5000);
    assert.ok(acks.at(-1)! <= h.s.bytesReceived);
  });

  it('ends with a clear error on commands before connect and on garbage', () => {
    const h = harness();
    const script = clientScript('publish', 'live', 'x');
    h.s.feed(script[0]!);
    h.s.feed(script[1]!);
    h.s.feed(command(0, 'createStream', 2, null));
    assert.equal(h.end(), RtmpErrorCode.PROTOCOL_VIOLATION);
    const h2 = harness();
    h2.s.feed(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    assert.equal(h2.end(), RtmpErrorCode.HANDSHAKE_FAILED);
  });

  it('reads AMF3 data messages (leading 0 byte, AMF0 inside)', () => {
    const h = harness();
    for (const b of clientScript('publish', 'live', 'x')) h.s.feed(b);
    h.s.acceptPublish(1);
    const body = Buffer.concat([Buffer.from([0]), encodeAmf0('@setDataFrame', 'onMetaData', { fps: 25 })]);
    h.s.feed(writeMessage(5, MessageType.DATA_AMF3, 1, 0, body, 128));
    assert.equal(h.events.at(-1), 'metadata:{"fps":25}');
  });

  it('splits aggregate messages into media messages', () => {
    const h = harness();
    for (const b of clientScript('publish', 'live', 'x')) h.s.feed(b);
    h.s.acceptPublish(1);
    const tag = (type: number, ts: number, body: Buffer) => {
      const hd = Buffer.alloc(11);
      hd[0] = type;
      hd.writeUIntBE(body.length, 1, 3);
      hd.writeUIntBE(ts & 0xffffff, 4, 3);
      const back = Buffer.alloc(4);
      back.writeUInt32BE(11 + body.length);
      return Buffer.concat([hd, body, back]);
    };
    const agg = Buffer.concat([tag(9, 500, tags.avcKey()), tag(8, 520, tags.aacFrame())]);
    h.s.feed(writeMessage(6, MessageType.AGGREGATE, 1, 1000, agg, 128));
    assert.deepEqual(h.events.slice(-2), ['media:9:1000', 'media:8:1020']);
  });

  it('takes media on message stream 0 for the one publishing NetStream, as nginx-rtmp and SRS do', () => {
    const h = harness();
    const ignored: string[] = [];
    h.s.on('mediaIgnored', (id, why) => ignored.push(`${id}:${why}`));
    for (const b of clientScript('publish', 'live', 'x')) h.s.feed(b);
    // Before Publish.Start (authorization pending) nothing is delivered, and nothing is reported.
    h.s.feed(writeMessage(6, MessageType.VIDEO, 0, 0, tags.avcHeader, 128));
    assert.deepEqual(ignored, []);
    h.s.acceptPublish(1);
    h.s.feed(writeMessage(5, MessageType.DATA_AMF0, 0, 0, encodeAmf0('onMetaData', { fps: 25 }), 128));
    h.s.feed(writeMessage(6, MessageType.VIDEO, 0, 40, tags.avcKey(), 128));
    h.s.feed(writeMessage(4, MessageType.AUDIO, 0, 41, tags.aacFrame(), 128));
    assert.deepEqual(h.events.slice(-3), ['metadata:{"fps":25}', 'media:9:40', 'media:8:41']);
    assert.deepEqual(ignored, []);
    assert.equal(h.end(), undefined);
  });

  it('reports media it cannot deliver once per message stream, and refuses an ambiguous stream 0', () => {
    const h = harness();
    const ignored: string[] = [];
    h.s.on('mediaIgnored', (id, why) => ignored.push(`${id}:${why}`));
    for (const b of clientScript('play', 'live', 'x')) h.s.feed(b);
    h.s.feed(writeMessage(6, MessageType.VIDEO, 0, 40, tags.avcKey(), 128));
    h.s.feed(writeMessage(6, MessageType.VIDEO, 0, 80, tags.avcKey(), 128));
    h.s.feed(writeMessage(6, MessageType.VIDEO, 1, 80, tags.avcKey(), 128));
    assert.deepEqual(ignored, [
      '0:media on message stream 0, which is not publishing',
      '1:media on message stream 1, which is not publishing',
    ]);
    assert.equal(h.events.filter((e) => e.startsWith('media')).length, 0);

    const two = harness();
    for (const b of clientScript('publish', 'live', 'a')) two.s.feed(b);
    two.s.feed(command(0, 'createStream', 9, null));
    two.s.feed(command(2, 'publish', 10, null, 'b', 'live'));
    two.s.acceptPublish(1);
    two.s.acceptPublish(2);
    two.s.feed(writeMessage(6, MessageType.VIDEO, 0, 40, tags.avcKey(), 128));
    assert.equal(two.end(), RtmpErrorCode.PROTOCOL_VIOLATION);
    assert.equal(two.events.filter((e) => e.startsWith('media')).length, 0);
  });

  it('answers FCUnpublish without ending the publish; deleteStream ends it', () => {
    const h = harness();
    for (const b of clientScript('publish', 'live', 'cam1')) h.s.feed(b);
    h.s.acceptPublish(1);
    h.s.feed(command(0, 'FCUnpublish', 6, null, 'cam1'));
    assert.deepEqual(h.out.codes().slice(-2), ['_result', 'onFCUnpublish']);
    assert.equal(h.events.filter((e) => e.startsWith('unpublish')).length, 0);
    assert.equal(h.s.unpublishAnnounced(1), true);
    h.s.feed(writeMessage(6, MessageType.VIDEO, 1, 40, tags.avcKey(), 128));
    assert.equal(h.events.at(-1), 'media:9:40', 'media after FCUnpublish still flows');
    h.s.feed(command(0, 'deleteStream', 7, null, 1));
    assert.equal(h.events.at(-1), 'unpublish:1');
    assert.equal(h.end(), undefined, 'the peer closes its connection itself');
  });
});

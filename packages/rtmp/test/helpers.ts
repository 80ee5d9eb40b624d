import { randomBytes } from 'node:crypto';
import { decodeAmf0, encodeAmf0, type AmfValue } from '../src/amf0.js';
import { ChunkReader, type RtmpMessage } from '../src/chunk-reader.js';
import { Csid, MessageType, setChunkSizeMessage, writeMessage } from '../src/chunk-writer.js';
import { HANDSHAKE_SIZE } from '../src/handshake.js';

/** Simple-handshake C0+C1 from a client. */
export function simpleC0C1(): Buffer {
  const c1 = randomBytes(HANDSHAKE_SIZE);
  c1.writeUInt32BE(0, 0);
  c1.writeUInt32BE(0, 4);
  return Buffer.concat([Buffer.from([3]), c1]);
}

/** A command message as a client sends it (chunk size 128 unless set). */
export function command(streamId: number, name: string, tx: number, ...rest: AmfValue[]): Buffer {
  return writeMessage(
    Csid.COMMAND,
    MessageType.COMMAND_AMF0,
    streamId,
    0,
    encodeAmf0(name, tx, ...rest),
    128,
  );
}

/** The client side of a publish or play, as bytes: C0C1, C2, connect, createStream, publish/play. */
export function clientScript(kind: 'publish' | 'play', app: string, name: string): Buffer[] {
  return [
    simpleC0C1(),
    randomBytes(HANDSHAKE_SIZE),
    command(0, 'connect', 1, { app, tcUrl: `rtmp://127.0.0.1/${app}`, flashVer: 'FMLE/3.0' }),
    command(0, 'releaseStream', 2, null, name),
    command(0, 'FCPublish', 3, null, name),
    command(0, 'createStream', 4, null),
    kind === 'publish'
      ? command(1, 'publish', 5, null, name, 'live')
      : command(1, 'play', 5, null, name, -2000),
  ];
}

/** Parses what a server sends back (after the 3073 handshake bytes) into messages and decoded commands. */
export class ServerOutput {
  private readonly reader = new ChunkReader({ maxMessageSize: 16 * 1024 * 1024 });
  private handshakeLeft = 1 + 2 * HANDSHAKE_SIZE;
  readonly messages: RtmpMessage[] = [];

  /** `keepMediaBytes`: how much of each audio/video payload to keep (Infinity for all of it). */
  constructor(private readonly keepMediaBytes = 64) {}

  push(data: Buffer): RtmpMessage[] {
    if (this.handshakeLeft > 0) {
      const n = Math.min(this.handshakeLeft, data.length);
      this.handshakeLeft -= n;
      data = data.subarray(n);
    }
    const got = data.length ? this.reader.push(data) : [];
    for (const m of got) {
      // Keep only the tag header of big media so a flood test does not hold hundreds of MB.
      if ((m.typeId === 8 || m.typeId === 9) && m.payload.length > this.keepMediaBytes)
        m.payload = Buffer.from(m.payload.subarray(0, this.keepMediaBytes));
      this.messages.push(m);
    }
    return got;
  }

  /** onStatus codes and command names seen so far. */
  codes(): string[] {
    const out: string[] = [];
    for (const m of this.messages) {
      if (m.typeId !== MessageType.COMMAND_AMF0) continue;
      const v = decodeAmf0(m.payload);
      if (v[0] === 'onStatus') out.push(String((v[3] as Record<string, AmfValue>).code));
      else out.push(String(v[0]));
    }
    return out;
  }
}

/** A 4096-byte Set Chunk Size, for scripts that send big media. */
export const chunkSize4096 = setChunkSizeMessage(4096);

/** Minimal AVC sequence header + keyframe + inter frame and AAC header/frame tag bodies. */
export const tags = {
  avcHeader: Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff]),
  avcKey: (n = 100) => Buffer.concat([Buffer.from([0x17, 1, 0, 0, 0]), Buffer.alloc(n, 0x65)]),
  avcInter: (n = 50) => Buffer.concat([Buffer.from([0x27, 1, 0, 0, 0]), Buffer.alloc(n, 0x41)]),
  aacHeader: Buffer.from([0xaf, 0, 0x12, 0x10]),
  aacFrame: (n = 20) => Buffer.concat([Buffer.from([0xaf, 1]), Buffer.alloc(n, 0x21)]),
};

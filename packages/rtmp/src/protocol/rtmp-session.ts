import { splitAggregate } from './aggregate.js';
import { type AmfValue, DEFAULT_AMF_MAX_DEPTH, decodeAmf0, encodeAmf0 } from './amf0.js';
import { classifyData } from './data-message.js';
import { ChunkReader, type ChunkReaderLimits, type RtmpMessage } from './chunk-reader.js';
import {
  Csid,
  MessageType,
  UserControl,
  ackMessage,
  setChunkSizeMessage,
  setPeerBandwidthMessage,
  userControlMessage,
  windowAckSizeMessage,
  writeMessage,
} from './chunk-writer.js';
import { RtmpError, RtmpErrorCode } from '../errors.js';
import { ServerHandshake } from './handshake.js';
import { type RefusalStatus, connectResult, refusalCode } from './net-status.js';
import { MAX_STREAM_NAME_LENGTH, parseConnectTarget, splitStreamName } from './stream-name.js';
import { TypedEmitter, throwListenerError } from '@minirtc/protocol/emitter';

/** Options of an {@link RtmpSession}. */
export interface RtmpSessionOptions {
  /** Chunk size we send with (default 4096; never below 128). */
  chunkSize?: number;
  /** Window Acknowledgement Size we announce (default 2.5 MB). */
  windowAckSize?: number;
  /** Hard limits of the chunk reader. */
  readerLimits?: Partial<ChunkReaderLimits>;
  /** Deepest AMF nesting accepted (default 32). */
  maxAmfDepth?: number;
  /** Most NetStreams (createStream) per connection (default 8). */
  maxStreams?: number;
}

/** What `connect` asked for. */
export interface ConnectInfo {
  app: string;
  tcUrl: string;
  query: Record<string, string>;
  objectEncoding: number;
}

/** A publish or play request on one NetStream. */
export interface StreamCommand {
  streamId: number;
  /** Stream name without query. */
  name: string;
  query: Record<string, string>;
  /** Publish type ('live', 'record', 'append'); '' for play. */
  type: string;
}

/** An audio, video or (non-metadata) data message from a publisher. */
export interface MediaMessage {
  typeId: number;
  timestamp: number;
  payload: Buffer;
}

/** Events of an {@link RtmpSession}. */
export interface RtmpSessionEvents {
  /** Bytes to write to the peer, in order. */
  send: (data: Buffer) => void;
  connect: (info: ConnectInfo) => void;
  /** Answer with {@link RtmpSession.acceptPublish} or {@link RtmpSession.refuse}. */
  publish: (cmd: StreamCommand) => void;
  /** Answer with {@link RtmpSession.acceptPlay} or {@link RtmpSession.refuse}. */
  play: (cmd: StreamCommand) => void;
  /** The peer stopped publishing on this NetStream (FCUnpublish / deleteStream / closeStream). */
  unpublish: (streamId: number) => void;
  /** The peer stopped playing on this NetStream. */
  stopPlay: (streamId: number) => void;
  media: (streamId: number, msg: MediaMessage) => void;
  /**
   * Media arrived that cannot be delivered (no publishing NetStream to take it). Emitted once per
   * message stream id, so the adapter can log it: media is never dropped without a trace.
   */
  mediaIgnored: (streamId: number, reason: string) => void;
  /** `onMetaData` (from `@setDataFrame` or sent directly): the AMF0 body to replay, and its value. */
  metadata: (streamId: number, body: Buffer, value: AmfValue) => void;
  /** The session is over: close the connection (after flushing what was sent). */
  end: (error: RtmpError | null) => void;
}

/** Lifecycle of one NetStream inside a session. */
export type NetStreamState = 'idle' | 'publish-pending' | 'publishing' | 'play-pending' | 'playing';

/**
 * Server side of one RTMP connection, sans-I/O: `feed()` bytes from the socket, write what it
 * emits as `send`, answer `publish`/`play` requests. No sockets and no timers live here, which is
 * what lets the fuzz tests drive it with arbitrary bytes.
 */
export class RtmpSession extends TypedEmitter<RtmpSessionEvents> {
  /** A listener's bug is thrown from `emit` (after every listener ran): the caller's recovery closes only the connection that triggered it. */
  override onListenerError = throwListenerError;

  /** Chunk size of everything sent after `connect` was answered. */
  outChunkSize = 128;
  /** Filled in by `connect`. */
  connectInfo: ConnectInfo | null = null;
  private readonly targetChunkSize: number;
  private readonly windowAckSize: number;
  private readonly maxDepth: number;
  private readonly maxStreams: number;
  private readonly handshake = new ServerHandshake();
  private handshakeDone = false;
  private readonly reader: ChunkReader;
  private readonly streams = new Map<
    number,
    { state: NetStreamState; name: string; fcUnpublished?: boolean }
  >();
  private readonly ignoredReported = new Set<number>();
  private nextStreamId = 1;
  private bytesIn = 0;
  private lastAck = 0;
  private peerWindow = 0;
  private ended = false;

  constructor(opts: RtmpSessionOptions = {}) {
    super();
    this.targetChunkSize = Math.max(128, Math.min(opts.chunkSize ?? 4096, 0xffffff));
    this.windowAckSize = opts.windowAckSize ?? 2_500_000;
    this.maxDepth = opts.maxAmfDepth ?? DEFAULT_AMF_MAX_DEPTH;
    this.maxStreams = opts.maxStreams ?? 8;
    this.reader = new ChunkReader(opts.readerLimits);
  }

  /** The chunk reader (its limits and budget change when the connection is authorized). */
  get input(): ChunkReader {
    return this.reader;
  }

  /** True once the session has ended (error or refusal). */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Bytes received so far (including the handshake). */
  get bytesReceived(): number {
    return this.bytesIn;
  }

  /**
   * Feeds bytes from the peer. Bad input ends the session with an {@link RtmpError} via `end`;
   * anything else thrown is a bug and propagates.
   */
  feed(data: Buffer): void {
    if (this.ended) return;
    try {
      this.bytesIn += data.length;
      if (!this.handshakeDone) {
        const r = this.handshake.feed(data);
        if (r.output) this.emit('send', r.output);
        if (!r.done) return;
        this.handshakeDone = true;
        data = r.rest ?? Buffer.alloc(0);
        if (data.length === 0) return;
      }
      for (const msg of this.reader.push(data)) {
        this.onMessage(msg);
        if (this.ended) return;
      }
      this.maybeAck();
    } catch (e) {
      if (!(e instanceof RtmpError)) throw e;
      this.end(e);
    }
  }

  /** Ends the session (idempotent). */
  end(error: RtmpError | null = null): void {
    if (this.ended) return;
    this.ended = true;
    this.emit('end', error);
  }

  /** State of a NetStream ('idle' when unknown), so an adapter can tell a request withdrawn while it was authorized. */
  streamState(streamId: number): NetStreamState {
    return this.streams.get(streamId)?.state ?? 'idle';
  }

  /**
   * True once the peer announced the end of this NetStream's publish with `FCUnpublish`: a
   * disconnect after that is a clean end, not a dropped publisher to wait for.
   */
  unpublishAnnounced(streamId: number): boolean {
    return this.streams.get(streamId)?.fcUnpublished === true;
  }

  /** Message stream ids currently publishing. */
  publishingStreams(): number[] {
    return [...this.streams].filter(([, s]) => s.state === 'publishing').map(([id]) => id);
  }

  /** Confirms a publish: the client starts sending media after NetStream.Publish.Start. */
  acceptPublish(streamId: number): void {
    const s = this.streams.get(streamId);
    if (s?.state !== 'publish-pending' || this.ended) return;
    s.state = 'publishing';
    this.sendStatus(streamId, 'status', 'NetStream.Publish.Start', `${s.name} is now published.`);
  }

  /** Confirms a play; media written afterwards must use `streamId` and {@link outChunkSize}. */
  acceptPlay(streamId: number): void {
    const s = this.streams.get(streamId);
    if (s?.state !== 'play-pending' || this.ended) return;
    s.state = 'playing';
    this.emit('send', userControlMessage(UserControl.STREAM_BEGIN, streamId));
    this.sendStatus(streamId, 'status', 'NetStream.Play.Reset', `Playing and resetting ${s.name}.`);
    this.sendStatus(streamId, 'status', 'NetStream.Play.Start', `Started playing ${s.name}.`);
    this.sendData(streamId, encodeAmf0('|RtmpSampleAccess', true, true));
    // FMS and SRS send this data-channel status too; some Flash-lineage players wait for it.
    this.sendData(streamId, encodeAmf0('onStatus', { code: 'NetStream.Data.Start' }));
  }

  /** Refuses a pending publish/play with an onStatus error, then ends the session. */
  refuse(streamId: number, status: RefusalStatus, reason: string): void {
    const s = this.streams.get(streamId);
    if (this.ended) return;
    const publish = s?.state === 'publish-pending' || s?.state === 'publishing';
    const code = refusalCode(publish ? 'publish' : 'play', status);
    this.sendStatus(streamId, 'error', code, reason);
    if (s) s.state = 'idle';
    const errCode = status === 'BadName' ? RtmpErrorCode.BAD_NAME : RtmpErrorCode.UNAUTHORIZED;
    this.end(new RtmpError(errCode, `${code}: ${reason}`));
  }

  /** Tells a player its stream ended (publisher gone for good), without closing the connection. */
  sendPlayStop(streamId: number, reason: string): void {
    if (this.ended) return;
    this.emit('send', userControlMessage(UserControl.STREAM_EOF, streamId));
    this.sendStatus(streamId, 'status', 'NetStream.Play.UnpublishNotify', reason);
  }

  /** Sends a PingRequest; a live peer answers with a PingResponse carrying `timestamp`. */
  ping(timestamp: number): void {
    if (this.ended) return;
    this.emit('send', userControlMessage(UserControl.PING_REQUEST, timestamp));
  }

  /** Sends an onStatus on a NetStream. */
  sendStatus(streamId: number, level: 'status' | 'error', code: string, description: string): void {
    const body = encodeAmf0('onStatus', 0, null, { level, code, description });
    this.emit(
      'send',
      writeMessage(Csid.DATA, MessageType.COMMAND_AMF0, streamId, 0, body, this.outChunkSize),
    );
  }

  private sendData(streamId: number, body: Buffer): void {
    this.emit('send', writeMessage(Csid.DATA, MessageType.DATA_AMF0, streamId, 0, body, this.outChunkSize));
  }

  private sendCommand(streamId: number, ...values: AmfValue[]): void {
    const body = encodeAmf0(...values);
    this.emit(
      'send',
      writeMessage(Csid.COMMAND, MessageType.COMMAND_AMF0, streamId, 0, body, this.outChunkSize),
    );
  }

  private maybeAck(): void {
    // Acknowledge as the peer's window asks, so clients that throttle on acks (Flash, OBS) keep sending.
    if (this.peerWindow > 0 && this.bytesIn - this.lastAck >= this.peerWindow) {
      this.lastAck = this.bytesIn;
      this.emit('send', ackMessage(this.bytesIn % 0x100000000));
    }
  }

  private onMessage(msg: RtmpMessage): void {
    const p = msg.payload;
    switch (msg.typeId) {
      case MessageType.WINDOW_ACK_SIZE:
        if (p.length < 4) throw violation('short Window Acknowledgement Size');
        this.peerWindow = p.readUInt32BE(0);
        return;
      case MessageType.USER_CONTROL:
        if (p.length < 2) throw violation('short user control message');
        if (p.readUInt16BE(0) === UserControl.PING_REQUEST && p.length >= 6) {
          this.emit('send', userControlMessage(UserControl.PING_RESPONSE, p.readUInt32BE(2)));
        }
        return;
      case MessageType.AUDIO:
      case MessageType.VIDEO: {
        const id = this.mediaStreamId(msg.streamId);
        if (id !== null) this.emit('media', id, msg); // an RtmpMessage is a MediaMessage: no copy of its fields
        return;
      }
      case MessageType.DATA_AMF3:
        // AMF3 data messages start with a 0 byte and then carry AMF0, as ffmpeg reads them.
        this.onData(msg, p.subarray(p.length > 0 && p[0] === 0 ? 1 : 0));
        return;
      case MessageType.DATA_AMF0:
        this.onData(msg, p);
        return;
      case MessageType.COMMAND_AMF3:
        this.onCommand(msg.streamId, p.subarray(p.length > 0 && p[0] === 0 ? 1 : 0));
        return;
      case MessageType.COMMAND_AMF0:
        this.onCommand(msg.streamId, p);
        return;
      case MessageType.AGGREGATE:
        this.onAggregate(msg);
        return;
      default:
        // Chunk size/abort are applied by the reader; acks, bandwidth, shared objects are ignored.
        return;
    }
  }

  /**
   * The publishing NetStream a media or data message belongs to, or null (and a one-time
   * `mediaIgnored`). Message stream id 0 is the control stream, but node-media-server's relay sends
   * its media there; nginx-rtmp and SRS accept that (they key a publisher by connection, not by
   * message stream id), so we do too when the connection publishes exactly one NetStream. With
   * several it would be a guess, so the session ends with a protocol violation instead.
   */
  private mediaStreamId(streamId: number): number | null {
    const s = this.streams.get(streamId);
    if (s?.state === 'publishing') return streamId;
    // Media racing the authorization of its publish is expected, and no one is playing it yet.
    if (s?.state === 'publish-pending') return null;
    if (streamId === 0) {
      const publishing = this.publishingStreams();
      if (publishing.length === 1) return publishing[0]!;
      if (publishing.length > 1) {
        throw violation(`media on message stream 0 while ${publishing.length} NetStreams publish`);
      }
      if ([...this.streams.values()].some((x) => x.state === 'publish-pending')) return null;
    }
    if (!this.ignoredReported.has(streamId)) {
      this.ignoredReported.add(streamId);
      this.emit('mediaIgnored', streamId, `media on message stream ${streamId}, which is not publishing`);
    }
    return null;
  }

  private onData(msg: RtmpMessage, body: Buffer): void {
    const id = this.mediaStreamId(msg.streamId);
    if (id === null) return;
    const d = classifyData(body, this.maxDepth);
    if (d.kind === 'metadata') this.emit('metadata', id, d.body, d.value);
    else if (d.kind === 'relay') {
      this.emit('media', id, {
        typeId: MessageType.DATA_AMF0,
        timestamp: msg.timestamp,
        payload: d.body,
      });
    }
  }

  /** Splits an aggregate message (FLV tags back to back) into its audio/video messages. */
  private onAggregate(msg: RtmpMessage): void {
    const id = this.mediaStreamId(msg.streamId);
    if (id === null) return;
    for (const part of splitAggregate(msg.payload, msg.timestamp)) {
      if (part.typeId === MessageType.AUDIO || part.typeId === MessageType.VIDEO) {
        this.emit('media', id, part);
      } else if (part.typeId === MessageType.DATA_AMF0) {
        this.onData({ ...msg, timestamp: part.timestamp, payload: part.payload }, part.payload);
      }
    }
  }

  private onCommand(streamId: number, body: Buffer): void {
    const values = decodeAmf0(body, this.maxDepth);
    const name = values[0];
    if (typeof name !== 'string') throw violation('command name is not a string');
    const tx = typeof values[1] === 'number' ? values[1] : 0;
    const args = values.slice(3);
    if (name === 'connect') {
      this.onConnect(tx, values[2]);
      return;
    }
    if (!this.connectInfo) {
      // Only replies may precede connect; a client that skips it is not a client we can serve.
      if (name === '_result' || name === '_error' || name === 'onStatus') return;
      throw violation(`'${name}' before connect`);
    }
    switch (name) {
      case 'releaseStream':
      case 'FCPublish':
        if (tx > 0) this.sendCommand(0, '_result', tx, null, undefined);
        if (name === 'FCPublish') {
          this.sendCommand(0, 'onFCPublish', 0, null, {
            code: 'NetStream.Publish.Start',
            description: String(args[0]),
          });
        }
        return;
      case 'createStream': {
        if (this.streams.size >= this.maxStreams) throw violation(`more than ${this.maxStreams} NetStreams`);
        const id = this.nextStreamId++;
        this.streams.set(id, { state: 'idle', name: '' });
        this.sendCommand(0, '_result', tx, null, id);
        return;
      }
      case 'publish':
      case 'play':
        this.onStreamRequest(name, streamId, args);
        return;
      case 'FCUnpublish': {
        // Only an announcement: encoders follow it with deleteStream (or closeStream) and close the
        // connection themselves. Ending the stream here made us close first, which GStreamer's
        // rtmp2sink reports as "connection closed remotely" and an exit code of 1; nginx-rtmp waits.
        const target = typeof args[0] === 'string' ? splitStreamName(args[0]).name : '';
        for (const s of this.streams.values()) {
          if (s.state === 'publishing' && s.name === target) s.fcUnpublished = true;
        }
        if (tx > 0) this.sendCommand(0, '_result', tx, null, undefined);
        this.sendCommand(0, 'onFCUnpublish', 0, null, {
          code: 'NetStream.Unpublish.Success',
          description: String(args[0]),
        });
        return;
      }
      case 'deleteStream':
        if (typeof args[0] === 'number') {
          this.stopStream(args[0]);
          this.streams.delete(args[0]); // frees the slot counted by maxStreams
        }
        return;
      case 'closeStream':
        this.stopStream(streamId);
        return;
      case 'getStreamLength':
        if (tx > 0) this.sendCommand(0, '_result', tx, null, 0);
        return;
      default:
        return; // receiveAudio, pause, _checkbw, replies…: nothing to do for a live gateway
    }
  }

  private onConnect(tx: number, cmdObj: AmfValue): void {
    if (this.connectInfo) throw violation('second connect');
    const o = (cmdObj && typeof cmdObj === 'object' && !Array.isArray(cmdObj) ? cmdObj : {}) as Record<
      string,
      AmfValue
    >;
    const rawApp = typeof o.app === 'string' ? o.app : '';
    const tcUrl = typeof o.tcUrl === 'string' ? o.tcUrl : '';
    const objectEncoding = typeof o.objectEncoding === 'number' ? o.objectEncoding : 0;
    const { app, query } = parseConnectTarget(rawApp, tcUrl);
    this.connectInfo = { app, tcUrl, query, objectEncoding };
    this.emit('send', windowAckSizeMessage(this.windowAckSize));
    this.emit('send', setPeerBandwidthMessage(this.windowAckSize, 2));
    this.emit('send', setChunkSizeMessage(this.targetChunkSize));
    this.outChunkSize = this.targetChunkSize;
    this.sendCommand(0, '_result', tx, ...connectResult(objectEncoding));
    this.emit('connect', this.connectInfo);
  }

  private onStreamRequest(kind: 'publish' | 'play', streamId: number, args: AmfValue[]): void {
    const s = this.streams.get(streamId);
    if (!s) throw violation(`${kind} on unknown stream ${streamId}`);
    // A repeated publish/play on a busy NetStream is a client quirk, not an attack: ignore it.
    if (s.state !== 'idle') return;
    const raw = args[0];
    const { name, query } = splitStreamName(typeof raw === 'string' ? raw : '');
    s.state = kind === 'publish' ? 'publish-pending' : 'play-pending';
    s.name = name;
    if (!name || (typeof raw === 'string' && raw.length > MAX_STREAM_NAME_LENGTH)) {
      this.refuse(streamId, kind === 'publish' ? 'BadName' : 'NotFound', 'invalid stream name');
      return;
    }
    const merged = { ...(this.connectInfo?.query ?? {}), ...query };
    const type =
      kind === 'publish' && typeof args[1] === 'string' ? args[1] : kind === 'publish' ? 'live' : '';
    this.emit(kind, { streamId, name, query: merged, type });
  }

  private stopStream(streamId: number): void {
    const s = this.streams.get(streamId);
    if (!s) return;
    const was = s.state;
    s.state = 'idle';
    if (was === 'publishing' || was === 'publish-pending') this.emit('unpublish', streamId);
    else if (was === 'playing' || was === 'play-pending') this.emit('stopPlay', streamId);
  }
}

function violation(message: string): RtmpError {
  return new RtmpError(RtmpErrorCode.PROTOCOL_VIOLATION, message);
}

/**
 * MiniRTC's RTMP / HTTP-FLV gateway, by layer. Every export is named here (no `export *`), so the
 * package's surface is what this file says.
 * @packageDocumentation
 */

// Errors of every layer.
export { RtmpError, RtmpErrorCode, type RtmpErrorCodeValue } from './errors.js';

// protocol/: the sans-I/O codec (AMF0, chunks, handshake, FLV tags, codecs) and the RTMP session state machine.
export {
  Amf0Decoder,
  Amf0Marker,
  type AmfValue,
  decodeAmf0,
  DEFAULT_AMF_MAX_DEPTH,
  EcmaArray,
  encodeAmf0,
} from './protocol/amf0.js';
export { type AggregatePart, splitAggregate } from './protocol/aggregate.js';
export {
  ChunkReader,
  type ChunkReaderLimits,
  DEFAULT_READER_LIMITS,
  type RtmpMessage,
} from './protocol/chunk-reader.js';
export {
  ackMessage,
  Csid,
  MessageType,
  setChunkSizeMessage,
  setPeerBandwidthMessage,
  UserControl,
  userControlMessage,
  windowAckSizeMessage,
  writeMessage,
} from './protocol/chunk-writer.js';
export {
  CLIENT_KEY,
  digestOffset,
  findClientDigest,
  HANDSHAKE_SIZE,
  type HandshakeProgress,
  makeDigestC1,
  makeServerResponse,
  SERVER_KEY,
  ServerHandshake,
  signPacket,
  verifyServerS2,
} from './protocol/handshake.js';
export { classifyData, type DataMessage } from './protocol/data-message.js';
export { connectResult, refusalCode, type RefusalStatus } from './protocol/net-status.js';
export { inspectAudio, inspectVideo, type TagInfo } from './protocol/codec.js';
export {
  MAX_STREAM_NAME_LENGTH,
  parseConnectTarget,
  parseQuery,
  splitStreamName,
} from './protocol/stream-name.js';
export { flvHeader, FlvReader, flvTag, type FlvTag, FlvTagType } from './protocol/flv.js';
export { PendingBudget } from './protocol/pending-budget.js';
export {
  type ConnectInfo,
  type MediaMessage,
  type NetStreamState,
  RtmpSession,
  type RtmpSessionEvents,
  type RtmpSessionOptions,
  type StreamCommand,
} from './protocol/rtmp-session.js';

// hub/: the media hub (publishers, players, GOP cache, backpressure).
export { MediaHub, type MediaHubOptions } from './hub/media-hub.js';
export { GopCache } from './hub/gop-cache.js';
export { BlockPool, GOP_BLOCK_SIZE } from './hub/block-pool.js';
export { admit, type BackpressureLimits, type BackpressureState, type Verdict } from './hub/backpressure.js';
export { HubMessage, type WireFormat } from './hub/hub-message.js';
export type {
  MediaHubEvents,
  PlayerSink,
  PublisherHandle,
  StopReason,
  StreamInfo,
} from './hub/stream-info.js';
export { type Tracks, tracksFromMetadata } from './hub/stream-tracks.js';
export { TimelineRebase } from './hub/timeline-rebase.js';

// http-flv/: HTTP-FLV playback.
export {
  answerFlvPreflight,
  CORS,
  type FlvTarget,
  httpStatusFor,
  nextHttpSessionId,
  parseFlvPath,
  refuseFlv,
  startFlvResponse,
} from './http-flv/http-flv.js';

// server/: sockets, authorization, recording, and the MediaServer that composes them.
export {
  type Logger,
  RtmpConnection,
  type RtmpConnectionEvents,
  RtmpServer,
  type RtmpServerEvents,
  type RtmpServerOptions,
  silentLogger,
} from './server/rtmp-server.js';
export { type BridgeDeps, bridgeRtmpConnection } from './server/rtmp-bridge.js';
export { RtmpGuard, type RtmpGuardOptions } from './server/rtmp-guard.js';
export { parseProxyHeader, type ProxyHeader, trustedProxyMatcher } from './server/proxy-protocol.js';
export { allowAll, type AuthResult, type MediaAuthorizer, type StreamRequest } from './server/auth.js';
export { type Recording, recordingFileName, startRecording } from './server/recorder.js';
export { MediaServer, type MediaServerEvents, type MediaServerOptions } from './server/media-server.js';
export { type EventMap, TypedEmitter } from '@minirtc/protocol/emitter';

import { MiniRtcError } from '@minirtc/protocol';

/**
 * Error codes of the RTMP gateway. They live in MiniRTC's own range (1_990_000–1_999_999, see
 * `@minirtc/protocol`), in a block of their own so the server can map them without a lookup table.
 */
export const RtmpErrorCode = {
  /** The peer's handshake bytes are not RTMP (bad version byte). */
  HANDSHAKE_FAILED: 1991001,
  /** A chunk header or chunk-layer control message is malformed. */
  BAD_CHUNK: 1991002,
  /** A message declared a length above the configured maximum. */
  MESSAGE_TOO_LARGE: 1991003,
  /** The peer opened more chunk streams than allowed. */
  TOO_MANY_CHUNK_STREAMS: 1991004,
  /** The peer asked for a chunk size outside the allowed range. */
  BAD_CHUNK_SIZE: 1991005,
  /** AMF bytes could not be decoded (truncated, unknown marker). */
  BAD_AMF: 1991006,
  /** AMF values nest deeper than allowed. */
  AMF_TOO_DEEP: 1991007,
  /** A command arrived that is invalid in the current state. */
  PROTOCOL_VIOLATION: 1991008,
  /** The authorizer refused the request. */
  UNAUTHORIZED: 1991009,
  /** The stream key is taken by another owner. */
  BAD_NAME: 1991010,
  /** No activity within the configured time. */
  TIMEOUT: 1991011,
  /** A player could not keep up and was disconnected. */
  SLOW_CONSUMER: 1991012,
  /** The gateway is shutting down. */
  SHUTDOWN: 1991013,
} as const;

/** Any value of {@link RtmpErrorCode}. */
export type RtmpErrorCodeValue = (typeof RtmpErrorCode)[keyof typeof RtmpErrorCode];

/**
 * The error type of `@minirtc/rtmp`, a {@link MiniRtcError} under its own name. Everything the protocol
 * core throws on bad input is an `RtmpError`, so the adapter can tell "peer sent garbage" (close that
 * peer) from a bug (log loudly).
 */
export class RtmpError extends MiniRtcError {
  /** `code` from {@link RtmpErrorCode}; `options.cause` keeps a wrapped failure. */
  constructor(code: number, message: string, options?: ErrorOptions) {
    super(code, message, undefined, options);
    this.name = 'RtmpError';
  }
}

import { createHmac, randomBytes } from 'node:crypto';
import { RtmpError, RtmpErrorCode } from '../errors.js';

/** Size of C1/S1/C2/S2. */
export const HANDSHAKE_SIZE = 1536;
const DIGEST_LEN = 32;

// The keys of the "complex" handshake Flash Player and FMLE introduced. They are public (published
// in rtmpdump, ffmpeg, nginx-rtmp); the digest only proves both ends speak the Adobe dialect.
const RANDOM_CRUD = Buffer.from('f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae', 'hex');
/** Key a client (Flash Player) signs C1 with. */
export const CLIENT_KEY = Buffer.concat([
  Buffer.from('Genuine Adobe Flash Player 001', 'ascii'),
  RANDOM_CRUD,
]);
/** Key a server (FMS) signs S1 with. */
export const SERVER_KEY = Buffer.concat([
  Buffer.from('Genuine Adobe Flash Media Server 001', 'ascii'),
  RANDOM_CRUD,
]);
const CLIENT_KEY_SHORT = CLIENT_KEY.subarray(0, 30);
const SERVER_KEY_SHORT = SERVER_KEY.subarray(0, 36);

function hmac(key: Buffer, ...data: Buffer[]): Buffer {
  const h = createHmac('sha256', key);
  for (const d of data) h.update(d);
  return h.digest();
}

/**
 * Where the 32-byte digest sits in a 1536-byte packet. Scheme 0 puts the offset bytes at 8..11,
 * scheme 1 at 772..775; both reduce the sum modulo 728 so the digest stays in its 764-byte half.
 */
export function digestOffset(packet: Buffer, scheme: 0 | 1): number {
  const base = scheme === 0 ? 8 : 772;
  const sum = packet[base]! + packet[base + 1]! + packet[base + 2]! + packet[base + 3]!;
  return (sum % 728) + base + 4;
}

function digestOver(packet: Buffer, offset: number, key: Buffer): Buffer {
  return hmac(key, packet.subarray(0, offset), packet.subarray(offset + DIGEST_LEN));
}

/** Writes a digest into `packet` (in place) with the given scheme and key; returns the digest. */
export function signPacket(packet: Buffer, scheme: 0 | 1, key: Buffer): Buffer {
  const offset = digestOffset(packet, scheme);
  const digest = digestOver(packet, offset, key);
  digest.copy(packet, offset);
  return digest;
}

/** Finds a valid digest in C1 (either scheme) signed with the client key, or null for a simple C1. */
export function findClientDigest(c1: Buffer): Buffer | null {
  for (const scheme of [0, 1] as const) {
    const offset = digestOffset(c1, scheme);
    const expect = digestOver(c1, offset, CLIENT_KEY_SHORT);
    if (expect.equals(c1.subarray(offset, offset + DIGEST_LEN))) return expect;
  }
  return null;
}

/**
 * Builds S1 and S2 for a given C1. A C1 carrying a client digest gets the digest form (S1 signed
 * with the server key, S2 signed with a key derived from C1's digest) because Flash-era clients
 * verify it; anything else gets the simple form (S2 echoes C1).
 */
export function makeServerResponse(c1: Buffer, now = 0): { s1: Buffer; s2: Buffer; digest: boolean } {
  const clientDigest = findClientDigest(c1);
  const s1 = randomBytes(HANDSHAKE_SIZE);
  s1.writeUInt32BE(now >>> 0, 0);
  if (!clientDigest) {
    s1.writeUInt32BE(0, 4); // zero version: simple handshake
    return { s1, s2: Buffer.from(c1) as Buffer, digest: false };
  }
  // Any non-zero version marks the digest form; this is FMS 3.5.1.1's.
  s1.writeUInt32BE(0x04050001, 4);
  signPacket(s1, 0, SERVER_KEY_SHORT);
  const s2 = randomBytes(HANDSHAKE_SIZE);
  const key = hmac(SERVER_KEY, clientDigest);
  hmac(key, s2.subarray(0, HANDSHAKE_SIZE - DIGEST_LEN)).copy(s2, HANDSHAKE_SIZE - DIGEST_LEN);
  return { s1, s2, digest: true };
}

/** Verifies S2 of a digest handshake as a client would (used by tests and a client). */
export function verifyServerS2(s2: Buffer, clientDigest: Buffer): boolean {
  const key = hmac(SERVER_KEY, clientDigest);
  const expect = hmac(key, s2.subarray(0, HANDSHAKE_SIZE - DIGEST_LEN));
  return expect.equals(s2.subarray(HANDSHAKE_SIZE - DIGEST_LEN));
}

/** Builds a digest-form C1 (scheme 0) as Flash Player does; returns it with its digest. */
export function makeDigestC1(): { c1: Buffer; digest: Buffer } {
  const c1 = randomBytes(HANDSHAKE_SIZE);
  c1.writeUInt32BE(0, 0);
  c1.writeUInt32BE(0x80000702, 4);
  const digest = signPacket(c1, 0, CLIENT_KEY_SHORT);
  return { c1, digest };
}

/** Result of feeding bytes into a {@link ServerHandshake}. */
export interface HandshakeProgress {
  /** Bytes to send to the peer (S0+S1+S2 once, when C1 is complete). */
  output: Buffer | null;
  /** True once C2 has been received: the chunk stream starts. */
  done: boolean;
  /** Bytes after C2 (already the chunk stream), only when `done`. */
  rest: Buffer | null;
}

/**
 * Server side of the RTMP handshake, sans-I/O: feed it whatever bytes arrive, send what it returns.
 * It buffers at most C0+C1+C2 (3073 bytes), so a peer cannot make it grow.
 */
export class ServerHandshake {
  private buf: Buffer = Buffer.alloc(0);
  private state: 'c0c1' | 'c2' | 'done' = 'c0c1';
  /** True when the peer used the digest form. */
  digest = false;

  constructor(private readonly clock: () => number = () => 0) {}

  /** Feeds received bytes. Throws {@link RtmpError} on a non-RTMP peer. */
  feed(data: Buffer): HandshakeProgress {
    if (this.state === 'done') return { output: null, done: true, rest: data };
    // Copied, never kept by reference: the caller may reuse `data`'s memory for its next read.
    this.buf = this.buf.length === 0 ? Buffer.from(data) : Buffer.concat([this.buf, data]);
    let output: Buffer | null = null;
    if (this.state === 'c0c1') {
      if (this.buf.length >= 1 && this.buf[0] !== 3) {
        // 6 was an encrypted RTMPE variant we do not speak; anything else is not RTMP at all.
        throw new RtmpError(RtmpErrorCode.HANDSHAKE_FAILED, `unsupported RTMP version byte ${this.buf[0]}`);
      }
      if (this.buf.length < 1 + HANDSHAKE_SIZE) return { output: null, done: false, rest: null };
      const c1 = this.buf.subarray(1, 1 + HANDSHAKE_SIZE);
      const { s1, s2, digest } = makeServerResponse(c1, this.clock());
      this.digest = digest;
      output = Buffer.concat([Buffer.from([3]), s1, s2]);
      this.buf = this.buf.subarray(1 + HANDSHAKE_SIZE);
      this.state = 'c2';
    }
    if (this.buf.length < HANDSHAKE_SIZE) return { output, done: false, rest: null };
    // C2 is not verified: real clients (and ffmpeg) send sloppy C2s and nothing depends on it.
    const rest = this.buf.subarray(HANDSHAKE_SIZE);
    this.buf = Buffer.alloc(0);
    this.state = 'done';
    return { output, done: true, rest };
  }
}

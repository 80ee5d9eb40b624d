import { createCipheriv, createDecipheriv, randomBytes, randomInt } from 'node:crypto';
import { ErrorCode, MiniRtcError } from './errors.js';

/**
 * ZEGO token04: `"04"` + base64 of
 * `int64 BE expire | uint16 BE ivLen | iv | uint16 BE cipherLen | cipher [| uint8 mode]`.
 * Mode absent → AES-CBC/PKCS7 with a 16-byte IV (ZEGO's first published variant);
 * mode 1 → AES-GCM with a 12-byte nonce, the 16-byte tag appended to the ciphertext.
 * The key is the app's 32-character ServerSecret as bytes (AES-256).
 */

/** Privilege keys of the token payload. */
export const Privilege = { LOGIN: 1, PUBLISH: 2 } as const;

/** Which encryption a token uses. */
export type Token04Mode = 'cbc' | 'gcm';

/** The payload of a permission token (ZEGO's `RtcRoomPayLoad`). */
export interface Token04Payload {
  room_id: string;
  privilege: Record<string, number>;
  stream_id_list: string[] | null;
}

/** Inputs to {@link generateToken04}. */
export interface Token04Input {
  appID: number;
  userID: string;
  secret: string;
  /** Lifetime in seconds. */
  ttlSeconds: number;
  /** `''` (basic token, no room/privilege restriction) or a permission payload. */
  payload?: string | Token04Payload;
  mode?: Token04Mode;
  /** Clock override, Unix seconds (tests). */
  now?: number;
}

/** The decrypted token. */
export interface Token04Info {
  app_id: number;
  user_id: string;
  nonce: number;
  ctime: number;
  expire: number;
  payload: string;
  mode: Token04Mode;
  /** Parsed `payload`, or null for a basic token. */
  permissions: Token04Payload | null;
}

function checkSecret(secret: string): Buffer {
  const key = Buffer.from(secret, 'utf8');
  if (key.length !== 32) throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'ServerSecret must be 32 bytes');
  return key;
}

/** Builds a permission payload: login to `roomID`, publish if `canPublish`, optional streamID list. */
export function makeRoomPayload(
  roomID: string,
  canPublish: boolean,
  streamIDs: string[] | null = null,
): Token04Payload {
  return {
    room_id: roomID,
    privilege: { [Privilege.LOGIN]: 1, [Privilege.PUBLISH]: canPublish ? 1 : 0 },
    stream_id_list: streamIDs,
  };
}

/** Generates a token04 the way ZEGO's server assistant does (both variants). */
export function generateToken04(input: Token04Input): string {
  const key = checkSecret(input.secret);
  if (!Number.isInteger(input.appID) || input.appID <= 0) throw new MiniRtcError(ErrorCode.APP_ID_INVALID);
  if (!input.userID) throw new MiniRtcError(ErrorCode.USER_ID_EMPTY);
  if (!(input.ttlSeconds > 0)) throw new MiniRtcError(ErrorCode.INVALID_PARAM, 'ttlSeconds must be positive');
  const ctime = input.now ?? Math.floor(Date.now() / 1000);
  const payload = typeof input.payload === 'object' ? JSON.stringify(input.payload) : (input.payload ?? '');
  const plain = JSON.stringify({
    app_id: input.appID,
    user_id: input.userID,
    nonce: randomInt(-(2 ** 31), 2 ** 31 - 1),
    ctime,
    expire: ctime + Math.floor(input.ttlSeconds),
    payload,
  });
  const expire = BigInt(ctime + Math.floor(input.ttlSeconds));
  const mode = input.mode ?? 'gcm';
  let iv: Buffer;
  let cipherText: Buffer;
  if (mode === 'gcm') {
    iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    cipherText = Buffer.concat([c.update(plain, 'utf8'), c.final(), c.getAuthTag()]);
  } else {
    iv = randomBytes(16);
    const c = createCipheriv('aes-256-cbc', key, iv);
    cipherText = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  }
  const head = Buffer.alloc(10);
  head.writeBigInt64BE(expire, 0);
  head.writeUInt16BE(iv.length, 8);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(cipherText.length, 0);
  const parts = [head, iv, len, cipherText];
  if (mode === 'gcm') parts.push(Buffer.from([1]));
  return '04' + Buffer.concat(parts).toString('base64');
}

/**
 * The single failure of token verification (1990014, one fixed message): `check` and `reason` say
 * what really failed, in `detail` only, which servers log but never send.
 */
export function tokenInvalid(check: string, reason: string): MiniRtcError {
  return new MiniRtcError(ErrorCode.TOKEN_MALFORMED, undefined, { check, reason });
}

/**
 * Decrypts a token04 with `secret`. Throws 1990014 for every failure (malformed, wrong secret,
 * tampered, bad padding, not JSON, missing fields), always with the same message.
 * Does not check expiry or identity: see {@link verifyToken04}.
 */
export function decodeToken04(token: string, secret: string): Token04Info {
  const key = checkSecret(secret);
  // One code and one message for every failure: the precise reason travels only in `detail.reason`,
  // for the server log and the operator's timeline (a distinct reply would be a padding oracle).
  const bad = (why: string): never => {
    throw tokenInvalid('format', why);
  };
  if (typeof token !== 'string' || !token.startsWith('04') || token.length > 4096) bad('not a token04');
  const buf = Buffer.from(token.slice(2), 'base64');
  if (buf.length < 12) bad('too short');
  const ivLen = buf.readUInt16BE(8);
  if (ivLen !== 12 && ivLen !== 16) bad('bad IV length');
  if (buf.length < 12 + ivLen) bad('truncated');
  const iv = buf.subarray(10, 10 + ivLen);
  const cLen = buf.readUInt16BE(10 + ivLen);
  const cStart = 12 + ivLen;
  if (buf.length < cStart + cLen) bad('truncated ciphertext');
  const cipherText = buf.subarray(cStart, cStart + cLen);
  const rest = buf.length - (cStart + cLen);
  const mode: Token04Mode = rest === 1 && buf[buf.length - 1] === 1 ? 'gcm' : 'cbc';
  if (rest !== 0 && mode !== 'gcm') bad('trailing bytes');
  let plain: string;
  try {
    if (mode === 'gcm') {
      if (ivLen !== 12 || cLen < 16) bad('bad GCM layout');
      const d = createDecipheriv('aes-256-gcm', key, iv);
      d.setAuthTag(cipherText.subarray(cLen - 16));
      plain = Buffer.concat([d.update(cipherText.subarray(0, cLen - 16)), d.final()]).toString('utf8');
    } else {
      if (ivLen !== 16) bad('bad CBC layout');
      if (cLen === 0 || cLen % 16 !== 0) bad('bad CBC length');
      const d = createDecipheriv('aes-256-cbc', key, iv);
      d.setAutoPadding(false);
      const raw = Buffer.concat([d.update(cipherText), d.final()]);
      plain = stripPkcs7(raw);
    }
  } catch (e) {
    if (e instanceof MiniRtcError) throw e;
    return bad('authentication failed (tampered or another secret)');
  }
  // A bad padding yields '' from stripPkcs7 and fails below exactly as bad JSON does: same path.
  let info: Omit<Token04Info, 'mode' | 'permissions'>;
  try {
    info = JSON.parse(plain);
  } catch {
    return bad('plaintext is not JSON (tampered or another secret)');
  }
  if (
    typeof info !== 'object' ||
    info === null ||
    typeof info.app_id !== 'number' ||
    typeof info.user_id !== 'string' ||
    typeof info.expire !== 'number'
  ) {
    bad('missing fields');
  }
  if (BigInt(info.expire) !== buf.readBigInt64BE(0)) bad('expiry header does not match the sealed one');
  let permissions: Token04Payload | null = null;
  if (typeof info.payload === 'string' && info.payload.length > 0) {
    try {
      const p = JSON.parse(info.payload) as Partial<Token04Payload>;
      permissions = {
        room_id: typeof p.room_id === 'string' ? p.room_id : '',
        privilege: typeof p.privilege === 'object' && p.privilege !== null ? p.privilege : {},
        stream_id_list: Array.isArray(p.stream_id_list) ? p.stream_id_list.map(String) : null,
      };
    } catch {
      bad('payload is not JSON');
    }
  }
  return { ...info, payload: info.payload ?? '', mode, permissions };
}

/** What {@link verifyToken04} checks. */
export interface Token04Expectation {
  appID: number;
  userID: string;
  secret: string;
  /** When set, a permission token must name this room and grant login. */
  roomID?: string;
  /** Unix seconds (tests). */
  now?: number;
}

/**
 * Decrypts and checks a token: AppID, userID, expiry, room and login privilege. Everything up to and
 * including the identity check fails with the one 1990014 (`detail.check`/`detail.reason` say what;
 * never sent to clients); after that, with its own code: 1102018 expired, 1002033 room (ZEGO's),
 * 1990013 login privilege (reachable only with a token that decrypted to this app and user).
 */
export function verifyToken04(token: string, expect: Token04Expectation): Token04Info {
  const info = decodeToken04(token, expect.secret);
  const now = expect.now ?? Math.floor(Date.now() / 1000);
  // CBC has no MAC: a flipped IV byte can turn a token into valid JSON for another AppID. Those
  // answers must look like every other failure, so they share 1990014 (the precise code is detail).
  if (info.app_id !== expect.appID) throw tokenInvalid('app', 'token was made for another AppID');
  if (info.user_id !== expect.userID) throw tokenInvalid('user', 'token was made for another userID');
  if (info.expire <= now) throw new MiniRtcError(ErrorCode.TOKEN_EXPIRED, undefined, { check: 'expire' });
  if (info.permissions && expect.roomID !== undefined) {
    if (info.permissions.room_id && info.permissions.room_id !== expect.roomID) {
      throw new MiniRtcError(ErrorCode.TOKEN_ROOM_MISMATCH, undefined, { check: 'room' });
    }
    if (info.permissions.privilege[String(Privilege.LOGIN)] !== 1) {
      throw new MiniRtcError(ErrorCode.NO_LOGIN_PRIVILEGE, undefined, { check: 'login' });
    }
  }
  return info;
}

/**
 * Whether a verified token lets its user publish `streamID`. A basic token (empty payload) grants
 * everything, as ZEGO's does; a permission token needs privilege 2 = 1 and, when it lists streams,
 * the streamID among them.
 */
export function tokenAllowsPublish(info: Token04Info, streamID: string): boolean {
  const p = info.permissions;
  if (!p) return true;
  if (p.privilege[String(Privilege.PUBLISH)] !== 1) return false;
  return p.stream_id_list === null || p.stream_id_list.length === 0 || p.stream_id_list.includes(streamID);
}

/**
 * Removes PKCS#7 padding without branching on where it is wrong: every byte of the last block is
 * looked at whatever the pad length claims. Returns '' when the padding is invalid, which then fails
 * JSON parsing like any other garbage, so a bad pad and bad content take the same path.
 */
function stripPkcs7(raw: Buffer): string {
  const n = raw[raw.length - 1] ?? 0;
  let bad = (n === 0 ? 1 : 0) | (n > 16 ? 1 : 0);
  for (let i = 1; i <= 16; i++) {
    const b = raw[raw.length - i] ?? 0;
    // Inside the claimed pad, each byte must equal n.
    bad |= (i <= n ? 1 : 0) & (b !== n ? 1 : 0);
  }
  const keep = bad ? 0 : raw.length - n;
  return raw.subarray(0, keep).toString('utf8');
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * ZEGO's callback signature: sha1 of the CallbackSecret, the timestamp and the nonce, sorted as
 * strings and concatenated. Receivers written for ZEGO verify MiniRTC's callbacks unchanged.
 */
export function webhookSignature(callbackSecret: string, timestamp: string, nonce: string): string {
  return createHash('sha1').update([callbackSecret, timestamp, nonce].sort().join('')).digest('hex');
}

/** Checks a received callback's signature (for receivers and tests). */
export function verifyWebhookSignature(
  callbackSecret: string,
  body: { timestamp?: unknown; nonce?: unknown; signature?: unknown },
): boolean {
  if (typeof body.signature !== 'string') return false;
  const want = Buffer.from(webhookSignature(callbackSecret, String(body.timestamp), String(body.nonce)));
  const got = Buffer.from(body.signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** A fresh nonce for one delivery attempt. */
export function webhookNonce(): string {
  return String(randomBytes(4).readUInt32BE(0));
}

import { MessageType } from '../protocol/chunk-writer.js';

/** Per-player state the policy reads and updates. */
export interface BackpressureState {
  /** Hold back video inter frames until a keyframe (fresh join without GOP, or after takeover). */
  waitingKeyframe: boolean;
  /** Since when the player has been skipping frames, or null. */
  droppingSince: number | null;
}

/** Thresholds: `soft` starts skipping, `hard` closes, as does skipping for longer than `maxDropMs`. */
export interface BackpressureLimits {
  soft: number;
  hard: number;
  maxDropMs: number;
}

/** What to do with one message for one player. */
export type Verdict = 'write' | 'skip' | { close: string };

/**
 * The slow-player policy, as a pure decision so it can be tested without sockets. Past the soft
 * limit a player skips everything until a keyframe (or, on an audio-only stream, until audio) once
 * its queue has drained to half the limit: a decoder cannot resume mid-GOP. Past the hard limit,
 * or skipping too long, it is closed: memory per player stays bounded.
 */
export function admit(
  p: BackpressureState,
  msg: { typeId: number; keyframe: boolean },
  pending: number,
  limits: BackpressureLimits,
  now: number,
  stream: { hasVideo: boolean },
): Verdict {
  if (pending > limits.hard) return { close: `player too slow: ${pending} bytes pending` };
  if (p.droppingSince !== null) {
    if (now - p.droppingSince > limits.maxDropMs)
      return { close: 'player too slow: dropping frames for too long' };
    const resumable = msg.keyframe || (!stream.hasVideo && msg.typeId === MessageType.AUDIO);
    if (!resumable || pending > limits.soft / 2) return 'skip';
    p.droppingSince = null;
    p.waitingKeyframe = false;
  } else if (pending > limits.soft) {
    p.droppingSince = now;
    return 'skip';
  }
  if (msg.typeId === MessageType.VIDEO && p.waitingKeyframe) {
    if (!msg.keyframe) return 'skip';
    p.waitingKeyframe = false;
  }
  return 'write';
}

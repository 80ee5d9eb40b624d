import type { PushBody } from '@minirtc/protocol';

/**
 * A push serialized once for a whole room: what every member receives is the same JSON but for its
 * own session `seq`, so the body is stringified once and each member's frame is the body with its
 * seq spliced in front. In a room of N members this turns N `JSON.stringify` calls into one.
 */
export interface EncodedPush {
  body: PushBody;
  /** `JSON.stringify(body)`: an object, so it starts with `{`. */
  json: string;
}

/** Serializes a push body once, for every member of a room. */
export function encodePush(body: PushBody): EncodedPush {
  return { body, json: JSON.stringify(body) };
}

/** The frame of an encoded push for one session: `{"seq":N,` + the body's fields. */
export function frameWithSeq(json: string, seq: number): string {
  return `{"seq":${seq},${json.slice(1)}`;
}

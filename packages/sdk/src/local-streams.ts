import type { ZegoPlayerState, ZegoPublisherState } from './types.js';

/** A stream this engine publishes or plays. */
export interface LocalStream<S extends string> {
  streamID: string;
  roomID: string;
  state: S;
  /** The signed URL first, then fallbacks; `getNextUrl` walks them. */
  urls: string[];
  urlIndex: number;
  /** Publish options kept to publish again after a full re-login. */
  extraInfo?: string;
  streamParams?: string;
}

/** A published stream. */
export type LocalPublish = LocalStream<ZegoPublisherState>;
/** A played stream. */
export type LocalPlay = LocalStream<ZegoPlayerState>;

/** Orders the URLs of a publish/play reply: the primary first, fallbacks after, no duplicates. */
export function urlList(primary: string, more: unknown): string[] {
  const list = [primary];
  if (Array.isArray(more))
    for (const u of more) if (typeof u === 'string' && u && !list.includes(u)) list.push(u);
  return list;
}

/** The URL after the current one (wrapping around), advancing the cursor; '' when none is known. */
export function nextUrl(s: LocalStream<string> | undefined): string {
  if (!s || s.urls.length === 0) return '';
  s.urlIndex = (s.urlIndex + 1) % s.urls.length;
  return s.urls[s.urlIndex] as string;
}

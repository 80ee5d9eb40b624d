/** Longest stream name (with query) we accept; real names are short, long ones are abuse. */
export const MAX_STREAM_NAME_LENGTH = 2048;

/** Parses `a=1&b=2` into a record. Duplicate keys keep the last value. */
export function parseQuery(q: string): Record<string, string> {
  // Object.fromEntries defines own properties, so a `__proto__` key cannot touch the prototype.
  return Object.fromEntries(new URLSearchParams(q));
}

/** Splits `name?query` into the bare name and its parsed query. */
export function splitStreamName(raw: string): { name: string; query: Record<string, string> } {
  const i = raw.indexOf('?');
  if (i < 0) return { name: raw, query: {} };
  return { name: raw.slice(0, i), query: parseQuery(raw.slice(i + 1)) };
}

/**
 * Derives the app and query from what `connect` carried. Clients differ: ffmpeg puts the app in
 * `app` and the query (if any) in `tcUrl`; others append `?query` to `app`. Both are merged.
 */
export function parseConnectTarget(
  app: string,
  tcUrl: string,
): { app: string; query: Record<string, string> } {
  const fromApp = splitStreamName(app);
  let query: Record<string, string> = {};
  const q = tcUrl.indexOf('?');
  if (q >= 0) query = parseQuery(tcUrl.slice(q + 1));
  let name = fromApp.name;
  if (!name) {
    // No app field: take the first path segment of tcUrl (rtmp://host:port/<app>/...).
    const m = /^[a-z]+:\/\/[^/]+\/([^/?]*)/i.exec(tcUrl);
    name = m?.[1] ?? '';
  }
  return { app: name.replace(/\/+$/, ''), query: { ...query, ...fromApp.query } };
}

/** Where the console is: `#/rooms?room=r1` → `{ path: '/rooms', params: room=r1 }`. */
export interface Location {
  path: string;
  params: URLSearchParams;
}

/** The current hash location (`/apps` when there is none). */
export function currentLocation(): Location {
  const raw = location.hash.replace(/^#/, '') || '/apps';
  const q = raw.indexOf('?');
  return {
    path: q < 0 ? raw : raw.slice(0, q),
    params: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)),
  };
}

/** The hash for a path and its parameters (empty values left out). */
export function href(path: string, params: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return `#${path}${s ? `?${s}` : ''}`;
}

/** Goes to a path (the hashchange listener renders it). */
export function navigate(path: string, params: Record<string, string | undefined> = {}): void {
  const next = href(path, params);
  if (location.hash === next) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = next;
}

/** Calls `render` now and on every hash change. Hash routing needs no server-side fallback. */
export function startRouter(render: (loc: Location) => void): void {
  window.addEventListener('hashchange', () => render(currentLocation()));
  render(currentLocation());
}

/** A timestamp (ms, or s when small enough to be Unix seconds) as local `YYYY-MM-DD HH:MM:SS.mmm`. */
export function formatTime(t: number | null | undefined): string {
  if (t === undefined || t === null || !Number.isFinite(t)) return '';
  const ms = t < 1e12 ? t * 1000 : t;
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`
  );
}

/** How long ago, roughly: `5 s`, `3 min`, `2 h`. */
export function formatAge(t: number | null | undefined, now = Date.now()): string {
  if (t === undefined || t === null || !Number.isFinite(t)) return '';
  const s = Math.max(0, Math.round((now - (t < 1e12 ? t * 1000 : t)) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h`;
}

/** Bits per second as `812 kbit/s`. */
export function formatBitrate(bps: number | null | undefined): string {
  if (bps === undefined || bps === null || !Number.isFinite(bps)) return '';
  return bps >= 1e6 ? `${(bps / 1e6).toFixed(1)} Mbit/s` : `${Math.round(bps / 1000)} kbit/s`;
}

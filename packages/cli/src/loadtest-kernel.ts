import { readFileSync } from 'node:fs';

/**
 * `ListenOverflows` from the text of Linux's `/proc/net/netstat` (the `TcpExt:` header line and its
 * values line): connection attempts the kernel dropped because a listener's accept queue was full.
 * Null when the counter is not there.
 */
export function parseListenOverflows(netstat: string): number | null {
  const lines = netstat.split('\n').filter((l) => l.startsWith('TcpExt:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const i = names.indexOf('ListenOverflows');
  const n = i > 0 ? Number(values[i]) : Number.NaN;
  return Number.isSafeInteger(n) ? n : null;
}

/** This host's `ListenOverflows` counter now (every listener's), or null off Linux. */
export function listenOverflows(): number | null {
  try {
    return parseListenOverflows(readFileSync('/proc/net/netstat', 'utf8'));
  } catch {
    return null;
  }
}

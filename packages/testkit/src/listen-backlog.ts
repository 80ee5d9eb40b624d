import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The accept-queue length of the TCP listener on `port` as the kernel holds it (`ss`'s Send-Q for a
 * listening socket), or null when `ss` (iproute2) cannot tell.
 */
export function listenBacklog(port: number): number | null {
  const out = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim();
  const cols = out.split('\n')[0]?.trim().split(/\s+/) ?? [];
  const n = Number(cols[2]);
  return cols[0] === 'LISTEN' && Number.isInteger(n) ? n : null;
}

/** The kernel's cap on any accept queue (`net.core.somaxconn`). */
export function somaxconn(): number {
  return Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
}

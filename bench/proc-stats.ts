import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (Linux x86_64 default; `getconf CLK_TCK`). */
const CLK_TCK = 100;

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces; fields start after the closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** CPU seconds a process has used so far, split into user and kernel (system) time. */
export function cpuSplit(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / CLK_TCK, system: Number(fields[12]) / CLK_TCK };
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * Bytes a process has read and written through syscalls (sockets included), and how many read-like and
 * write-like syscalls it made (`syscr`/`syscw`: read, readv, recvmsg… / write, writev, sendmsg…).
 */
export function ioBytes(pid: number): {
  read: number;
  written: number;
  readCalls: number;
  writeCalls: number;
} {
  try {
    const t = readFileSync(`/proc/${pid}/io`, 'utf8');
    const get = (k: string) => Number(new RegExp(`${k}: (\\d+)`).exec(t)?.[1] ?? 0);
    return { read: get('rchar'), written: get('wchar'), readCalls: get('syscr'), writeCalls: get('syscw') };
  } catch {
    return { read: 0, written: 0, readCalls: 0, writeCalls: 0 };
  }
}

import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (Linux x86_64 default; `getconf CLK_TCK`). */
const CLK_TCK = 100;

/**
 * CPU seconds a process has used so far, all its threads, from the scheduler's own accounting
 * (`/proc/<pid>/task/<tid>/schedstat`, nanoseconds). `/proc/<pid>/stat` counts in 10 ms ticks, too
 * coarse for a server using 1–4 % of a core over 15 s (45–180 ticks). Threads that exited are not
 * counted (Node's and nginx's live as long as the process). Falls back to ticks when schedstat is
 * missing.
 */
export function cpuSeconds(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    return ns / 1e9;
  } catch {
    return tickSeconds(pid);
  }
}

/** CPU seconds (user + system) from `/proc/<pid>/stat`, in clock ticks. */
export function tickSeconds(pid: number): number {
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

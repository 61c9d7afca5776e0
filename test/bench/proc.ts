/**
 * Reads a process's memory and CPU time from Linux procfs. Everything returns undefined where procfs is not
 * available (or the process is gone), so the benchmark prints `n/a` instead of failing.
 */
import { readFileSync } from 'node:fs';

/** Memory figures of a process, in MiB. */
export interface ProcMemory {
  /** Peak resident set size (`VmHWM`). */
  peakRssMb: number;
  /** Current resident set size (`VmRSS`). */
  rssMb: number;
}

/** `VmHWM` and `VmRSS` of `pid` from /proc/<pid>/status. */
export function readMemory(pid: number): ProcMemory | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    return m ? Number(m[1]) / 1024 : undefined;
  };
  const peak = kb('VmHWM');
  const rss = kb('VmRSS');
  return peak === undefined || rss === undefined ? undefined : { peakRssMb: peak, rssMb: rss };
}

/** Linux clock ticks per second for /proc/<pid>/stat times (USER_HZ; 100 on every mainstream kernel). */
const CLOCK_TICKS = 100;

/** User + system CPU time of `pid` in milliseconds (10 ms resolution), from /proc/<pid>/stat. */
export function readCpuMs(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces; fields after its closing parenthesis are fixed.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? ((utime + stime) * 1000) / CLOCK_TICKS : undefined;
}

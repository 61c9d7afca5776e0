/**
 * What tells one process apart from a later one that got the same pid: its start time and the boot it runs in.
 * The credential lock records both for its holder, so that a lock naming a pid now used by another process (pid
 * reuse after a crash or a restart) is recognised as stale at once.
 *
 * Linux: the start time is field 22 of `/proc/<pid>/stat` (clock ticks since boot), the boot id
 * `/proc/sys/kernel/random/boot_id`. Elsewhere (macOS, Windows) neither is read: both are `undefined`, and a lock is
 * judged by whether its pid is alive and by its age alone. Where `/proc` hides other users' processes, their start
 * time is unknown and likewise not used.
 */
import { readFile } from 'node:fs/promises';

/** A process's identity beyond its pid; a field is absent where the platform does not tell. */
export interface ProcessIdentity {
  /** Start time in clock ticks since boot, as a decimal string (Linux). */
  startTime?: string;
  /** The kernel's boot id (Linux). */
  bootId?: string;
}

const IS_LINUX = process.platform === 'linux';

/**
 * The start time of process `pid` (field 22 of `/proc/<pid>/stat`), or `undefined` when it cannot be read (no such
 * process, hidden, not Linux).
 */
export async function processStartTime(pid: number): Promise<string | undefined> {
  if (!IS_LINUX) return undefined;
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces and parentheses: fields 3… follow
  // the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).trim().split(/\s+/);
  const start = fields[22 - 3];
  return start !== undefined && /^\d+$/.test(start) ? start : undefined;
}

/** This machine's boot id, or `undefined` where there is none to read. */
export async function bootId(): Promise<string | undefined> {
  if (!IS_LINUX) return undefined;
  try {
    const id = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
    return /^[0-9a-f-]{8,64}$/i.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

let own: Promise<ProcessIdentity> | undefined;

/** This process's {@link ProcessIdentity}, read once. */
export function ownProcessIdentity(): Promise<ProcessIdentity> {
  own ??= (async () => {
    const [startTime, boot] = await Promise.all([processStartTime(process.pid), bootId()]);
    return { ...(startTime === undefined ? {} : { startTime }), ...(boot === undefined ? {} : { bootId: boot }) };
  })();
  return own;
}

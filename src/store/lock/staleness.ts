/**
 * When a lock is stale and may be taken over: written by a process on this host that no longer exists
 * (`process.kill(pid, 0)` fails with `ESRCH`), or in an earlier boot, or whose pid now belongs to a process with
 * another start time (pid reuse); older than `staleAfterMs`; unreadable for a few seconds (a writer that died between
 * create and write); or not a regular file at all (a link is never followed, and is stale at once — removing a link
 * never touches what it points to).
 */
import { errnoCode } from '../files/private-fs.js';
import type { Observed } from './lock-file.js';
import { processStartTime } from './process-identity.js';

/** A lock file whose content cannot be parsed is stale once its mtime is this old (or `staleAfterMs`, if smaller). */
const GARBLED_GRACE_MS = 5_000;

/** What a waiter knows when it judges a lock. */
export interface StalenessContext {
  /** This host's name. */
  host: string;
  /** The wall clock now, epoch milliseconds. */
  now: number;
  /** A lock older than this is stale, whoever holds it. */
  staleAfterMs: number;
  /** This machine's boot id, where there is one. */
  bootId: string | undefined;
}

/** Whether a process with this pid exists on this host (a process of another user counts as alive). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) !== 'ESRCH';
  }
}

/** Why a lock is stale, or `undefined` while it is live. */
export async function staleness(
  seen: Exclude<Observed, { state: 'absent' }>,
  context: StalenessContext,
): Promise<string | undefined> {
  if (seen.state === 'foreign') return 'it is a symbolic link or not a regular file, never a lock this tool wrote';
  if (seen.state === 'garbled') {
    const age = Date.now() - seen.mtimeMs;
    if (age <= Math.min(context.staleAfterMs, GARBLED_GRACE_MS)) return undefined;
    return `its content is unreadable and it is ${Math.round(age)} ms old`;
  }
  const { owner } = seen;
  if (owner.hostname === context.host) {
    if (owner.bootId !== undefined && context.bootId !== undefined && owner.bootId !== context.bootId) {
      return `it was written before this machine last started (pid ${owner.pid})`;
    }
    if (!isAlive(owner.pid)) return `its process (pid ${owner.pid}) has exited`;
    if (owner.startTime !== undefined) {
      const current = await processStartTime(owner.pid);
      if (current !== undefined && current !== owner.startTime) {
        return `its process (pid ${owner.pid}) has exited and the pid now belongs to another process`;
      }
    }
  }
  const age = context.now - owner.acquiredAt;
  if (age > context.staleAfterMs) {
    return `it is ${Math.round(age / 1000)} s old (stale after ${Math.round(context.staleAfterMs / 1000)} s)`;
  }
  return undefined;
}

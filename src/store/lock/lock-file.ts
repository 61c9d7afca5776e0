/**
 * The lock file itself: its format, how it is created and read, and how one instance of it is removed under a
 * claim. The file is `<configDir>/locks/<key>.lock`, created with `O_CREAT|O_EXCL|O_NOFOLLOW` and holding
 * `{"pid":…,"hostname":…,"acquiredAt":…,"nonce":…,"startTime":…,"bootId":…}` (the last two where the platform tells
 * them; see process-identity.ts).
 *
 * Removing a lock file — a stale one by a waiter, or one's own on release — is claimed first by creating
 * `<key>.lock.<identity>.claim` with `O_EXCL`, then re-reading the lock and removing it only if it is still the same
 * instance, then removing the claim. So of two waiters that see the same stale lock only one removes it, a waiter
 * that saw it late finds a different instance and removes nothing, and a release never removes a lock another
 * process now owns. (Only if a process dies within the microseconds it holds a claim is that claim cleared after
 * 10 s.)
 */
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { type Decoded, parseJsonText } from '../model/codec.js';
import { NON_BLOCK, NO_FOLLOW, PRIVATE_FILE_MODE, errnoCode, removeFile } from '../files/private-fs.js';

/** A claim file left by a process that died while holding it is cleared after this long. */
const CLAIM_STALE_MS = 10_000;

/** Who holds a lock, as recorded in the lock file. */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** When the lock was taken, epoch milliseconds (per the holder's `now`). */
  acquiredAt: number;
  /** The holder's start time, clock ticks since boot (Linux); tells it from a later process with the same pid. */
  startTime?: string;
  /** The boot the holder ran in (Linux). */
  bootId?: string;
}

/** A lock file as one look at it found it. */
export type Observed =
  | { state: 'absent' }
  | { state: 'held'; owner: LockOwner; nonce: string }
  | { state: 'garbled'; ino: number; mtimeMs: number }
  /** A symbolic link or another non-regular file: never a lock this tool wrote. */
  | { state: 'foreign'; ino: number };

/** The content of a lock file for `owner`, under `nonce`. */
export function encodeLock(owner: LockOwner, nonce: string): string {
  return `${JSON.stringify({ ...owner, nonce })}\n`;
}

/** What a lock file holds: its owner, and the nonce that tells this instance of the file from any later one. */
export interface LockRecord {
  owner: LockOwner;
  nonce: string;
}

/** Validates the content of a lock file, in the decoders' way (model/codec.ts): never throws, never quotes the text. */
export function decodeLock(text: string): Decoded<LockRecord> {
  const parsed = parseJsonText(text);
  if (!parsed.ok) return parsed;
  const o = parsed.value as Partial<LockOwner & { nonce: unknown }> | null;
  if (
    typeof o !== 'object' ||
    o === null ||
    !Number.isSafeInteger(o.pid) ||
    (o.pid as number) <= 0 ||
    typeof o.hostname !== 'string' ||
    typeof o.acquiredAt !== 'number' ||
    !Number.isFinite(o.acquiredAt) ||
    typeof o.nonce !== 'string' ||
    !/^[0-9a-f]{8,64}$/.test(o.nonce) ||
    (o.startTime !== undefined && (typeof o.startTime !== 'string' || !/^\d{1,20}$/.test(o.startTime))) ||
    (o.bootId !== undefined && (typeof o.bootId !== 'string' || !/^[0-9a-f-]{8,64}$/i.test(o.bootId)))
  ) {
    return { ok: false, reason: 'not a lock record (pid, hostname, acquiredAt, nonce)' };
  }
  const owner: LockOwner = { pid: o.pid as number, hostname: o.hostname, acquiredAt: o.acquiredAt };
  if (o.startTime !== undefined) owner.startTime = o.startTime;
  if (o.bootId !== undefined) owner.bootId = o.bootId;
  return { ok: true, value: { owner, nonce: o.nonce } };
}

/** Reads the lock file as it is now. */
export async function observe(path: string): Promise<Observed> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | NO_FOLLOW | NON_BLOCK);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { state: 'absent' };
    if (errnoCode(error) === 'ELOOP') {
      try {
        return { state: 'foreign', ino: (await lstat(path)).ino };
      } catch (again) {
        if (errnoCode(again) === 'ENOENT') return { state: 'absent' };
        throw again;
      }
    }
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { state: 'foreign', ino: info.ino };
    const decoded = decodeLock(await handle.readFile('utf8'));
    return decoded.ok ? { state: 'held', ...decoded.value } : { state: 'garbled', ino: info.ino, mtimeMs: info.mtimeMs };
  } finally {
    await handle.close();
  }
}

/** What identifies one instance of a lock file, for claims: its nonce, or its inode when it has none. */
export function identityOf(seen: Exclude<Observed, { state: 'absent' }>): string {
  return seen.state === 'held' ? seen.nonce : `i${seen.ino}`; // garbled or foreign: by inode
}

/** Creates `path` exclusively with `content`; resolves `false` when it already exists. */
export async function createExclusive(path: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, PRIVATE_FILE_MODE);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await removeFile(path).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return true;
}

/**
 * Removes the lock file at `path` if it is still the instance `identity` and still stale, under a claim so that
 * only one process removes one instance. Resolves `removed` (by us), `gone` (already), or `kept` (another instance
 * now, no longer stale, or another process is removing it).
 */
export async function removeIfStill(
  path: string,
  identity: string,
  isStale: (seen: Exclude<Observed, { state: 'absent' }>) => Promise<boolean>,
): Promise<'removed' | 'gone' | 'kept'> {
  const claim = `${path}.${identity}.claim`;
  if (!(await createExclusive(claim, `${process.pid}\n`))) {
    await clearStaleClaim(claim);
    return 'kept';
  }
  try {
    const current = await observe(path);
    if (current.state === 'absent') return 'gone';
    // Same instance and still stale. (An inode number can be reused by a fresh, not yet written lock file: its new
    // mtime keeps it from being taken for the old unreadable one.)
    if (identityOf(current) !== identity || !(await isStale(current))) return 'kept';
    return (await removeFile(path)) ? 'removed' : 'gone';
  } finally {
    await removeFile(claim).catch(() => undefined);
  }
}

/** Removes a claim file that is a link (never one of ours) or older than {@link CLAIM_STALE_MS}. Never throws. */
async function clearStaleClaim(claim: string): Promise<void> {
  try {
    if ((await lstat(claim)).isSymbolicLink()) {
      await removeFile(claim); // never one of ours: removing the link leaves its target alone
      return;
    }
    const handle = await open(claim, constants.O_RDONLY | NO_FOLLOW | NON_BLOCK);
    let mtimeMs: number;
    try {
      mtimeMs = (await handle.stat()).mtimeMs;
    } finally {
      await handle.close();
    }
    if (Date.now() - mtimeMs > CLAIM_STALE_MS) await removeFile(claim);
  } catch {
    // Gone already, or unreadable: the next attempt will see.
  }
}

/**
 * The note a lock's holder leaves beside its lock file for those waiting for it: the browser login it waits for, so
 * a waiter can offer that login instead of waiting in silence. The file is `<key>.lock.note`, written atomically
 * and 0600 (private-fs.ts), holding `{"nonce":…,"note":…}`; a waiter reads it only while the lock that holds the
 * same nonce is held, so a note left by a holder that died is never shown. The holder removes it before releasing.
 */
import { readPrivateFile, removeFile, writeFileAtomic } from '../files/private-fs.js';

/** The note file of the lock file `lockPath`. */
export function lockNotePath(lockPath: string): string {
  return `${lockPath}.note`;
}

/** Leaves `note` beside the lock `lockPath` held under `nonce`, or removes it (`undefined`). */
export async function writeLockNote(lockPath: string, nonce: string, note: string | undefined): Promise<void> {
  const file = lockNotePath(lockPath);
  if (note === undefined) {
    await removeFile(file);
    return;
  }
  await writeFileAtomic(file, JSON.stringify({ nonce, note }));
}

/** The note beside the lock `lockPath` when it was left by the holder of `nonce`; else undefined (never throws). */
export async function readLockNote(lockPath: string, nonce: string): Promise<string | undefined> {
  try {
    const text = await readPrivateFile(lockNotePath(lockPath));
    if (text === undefined) return undefined;
    const value = JSON.parse(text) as { nonce?: unknown; note?: unknown };
    return value.nonce === nonce && typeof value.note === 'string' ? value.note : undefined;
  } catch {
    return undefined;
  }
}

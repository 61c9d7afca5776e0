/**
 * A cross-process lock per credential key, held around a login or a token refresh, so that several bridges started
 * for the same server run one browser login between them and never spend a rotated refresh token twice.
 *
 * The lock is the file `<configDir>/locks/<key>.lock`, created with `O_CREAT|O_EXCL|O_NOFOLLOW` and holding
 * `{"pid":…,"hostname":…,"acquiredAt":…,"nonce":…,"startTime":…,"bootId":…}` (the last two where the platform tells
 * them; see process-identity.ts). A waiter polls until the file is gone, or until it is stale: written by a process
 * on this host that no longer exists (`process.kill(pid, 0)` fails with `ESRCH`), or in an earlier boot, or whose pid
 * now belongs to a process with another start time (pid reuse); older than `staleAfterMs`; unreadable for a few
 * seconds (a writer that died between create and write); or not a regular file at all (a link is never followed,
 * and is removed as stale at once — removing a link never touches what it points to).
 *
 * Removing a lock file — a stale one by a waiter, or one's own on release — is claimed first by creating
 * `<key>.lock.<nonce>.claim` with `O_EXCL`, then re-reading the lock and removing it only if it still carries the same
 * nonce, then removing the claim. So of two waiters that see the same stale lock only one removes it, a waiter that
 * saw it late finds a different nonce and removes nothing, and a release never removes a lock another process now
 * owns. (Only if a process dies within the microseconds it holds a claim is that claim cleared after 10 s.)
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BridgeError, ErrorCode } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import { assertCredentialKey } from './keys.js';
import { lockFilePath, resolveConfigDir } from './paths.js';
import { NO_FOLLOW, PRIVATE_FILE_MODE, ensurePrivateDir, errnoCode, removeFile } from './private-fs.js';
import { ownProcessIdentity, processStartTime } from './process-identity.js';

const NON_BLOCK = constants.O_NONBLOCK ?? 0; // a FIFO at the lock path must not hang the waiter

/** Default bound on waiting for a lock: a login in progress elsewhere may need the user for minutes. */
export const DEFAULT_LOCK_TIMEOUT_MS = 5 * 60_000;
/** Default age after which a lock is taken over even if its process seems alive (at least the login timeout). */
export const DEFAULT_LOCK_STALE_AFTER_MS = 10 * 60_000;
/** Default interval between attempts; each wait is jittered by ±25 % so that waiters do not move in lockstep. */
export const DEFAULT_LOCK_POLL_MS = 100;
/** A lock file whose content cannot be parsed is stale once its mtime is this old (or `staleAfterMs`, if smaller). */
const GARBLED_GRACE_MS = 5_000;
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

/** Options for {@link acquireLock}. */
export interface AcquireLockOptions {
  /** Config directory (`--config-dir`); locks live in its `locks/`. Default: the platform config dir. */
  configDir?: string;
  /** Give up after this long with a {@link ErrorCode.Store} error. Default {@link DEFAULT_LOCK_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Take over a lock older than this, whoever holds it. Default {@link DEFAULT_LOCK_STALE_AFTER_MS}. */
  staleAfterMs?: number;
  /** Interval between attempts. Default {@link DEFAULT_LOCK_POLL_MS}. */
  pollMs?: number;
  /** Aborts the wait: the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * Wall clock for the recorded `acquiredAt` and for the age of a held lock. Default `Date.now`. Waiting time is
   * measured on a monotonic clock, and file mtimes (unreadable locks, abandoned claims) against the real clock.
   */
  now?: () => number;
  /** Receives one line when this process starts waiting, and one per stale lock taken over. Default {@link silentLogger}. */
  logger?: Logger;
}

/** A held lock. */
export interface CredentialLock {
  readonly key: string;
  /** The lock file. */
  readonly path: string;
  /** What this process wrote into it. */
  readonly owner: LockOwner;
  /**
   * Releases the lock: removes the lock file if it is still this holder's. Idempotent (later calls resolve the first
   * call's promise); never removes a lock another process has taken over meanwhile.
   */
  release(): Promise<void>;
}

type Observed =
  | { state: 'absent' }
  | { state: 'held'; owner: LockOwner; nonce: string }
  | { state: 'garbled'; ino: number; mtimeMs: number }
  /** A symbolic link or another non-regular file: never a lock this tool wrote. */
  | { state: 'foreign'; ino: number };

function encodeLock(owner: LockOwner, nonce: string): string {
  return `${JSON.stringify({ ...owner, nonce })}\n`;
}

function decodeLock(text: string): { owner: LockOwner; nonce: string } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  const o = v as Partial<LockOwner & { nonce: unknown }> | null;
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
    return undefined;
  }
  const owner: LockOwner = { pid: o.pid as number, hostname: o.hostname, acquiredAt: o.acquiredAt };
  if (o.startTime !== undefined) owner.startTime = o.startTime;
  if (o.bootId !== undefined) owner.bootId = o.bootId;
  return { owner, nonce: o.nonce };
}

/** Reads the lock file as it is now. */
async function observe(path: string): Promise<Observed> {
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
    return decoded ? { state: 'held', ...decoded } : { state: 'garbled', ino: info.ino, mtimeMs: info.mtimeMs };
  } finally {
    await handle.close();
  }
}

/** What identifies one instance of a lock file, for claims: its nonce, or its inode when it has none. */
function identityOf(seen: Exclude<Observed, { state: 'absent' }>): string {
  return seen.state === 'held' ? seen.nonce : `i${seen.ino}`; // garbled or foreign: by inode
}

/** Creates `path` exclusively with `content`; resolves `false` when it already exists. */
async function createExclusive(path: string, content: string): Promise<boolean> {
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

/** Whether a process with this pid exists on this host (a process of another user counts as alive). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) !== 'ESRCH';
  }
}

/**
 * Removes the lock file at `path` if it is still the instance `identity` and still stale, under a claim so that
 * only one process removes one instance. Resolves `removed` (by us), `gone` (already), or `kept` (another instance
 * now, no longer stale, or another process is removing it).
 */
async function removeIfStill(
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

function positive(value: number | undefined, fallback: number, name: string, allowZero = false): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    const kind = allowZero ? 'non-negative' : 'positive';
    throw new BridgeError(ErrorCode.Internal, `${name} must be a ${kind} number of milliseconds`);
  }
  return v;
}

/** Sleeps `ms`; rejects with `signal.reason` when aborted. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}

/**
 * Takes the cross-process lock for credential `key`, waiting (polling every `pollMs`) while another live process
 * holds it, and taking over a stale one (see the module comment). Resolves a {@link CredentialLock}; call
 * `release()` in a `finally`.
 * @throws {BridgeError} `ErrorCode.Store` after `timeoutMs` (naming the holder's pid, with a hint), or when the lock
 *   directory cannot be used.
 * @throws `signal.reason` when `signal` aborts.
 */
export async function acquireLock(key: string, options: AcquireLockOptions = {}): Promise<CredentialLock> {
  assertCredentialKey(key);
  const timeoutMs = positive(options.timeoutMs, DEFAULT_LOCK_TIMEOUT_MS, 'timeoutMs', true);
  const staleAfterMs = positive(options.staleAfterMs, DEFAULT_LOCK_STALE_AFTER_MS, 'staleAfterMs');
  const pollMs = positive(options.pollMs, DEFAULT_LOCK_POLL_MS, 'pollMs');
  const { signal } = options;
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const host = osHostname();
  const path = lockFilePath(resolveConfigDir(options), key);
  await ensurePrivateDir(dirname(path), { logger });

  const identity = await ownProcessIdentity();
  const started = performance.now();
  let announced = false;
  for (;;) {
    signal?.throwIfAborted();
    const owner: LockOwner = { pid: process.pid, hostname: host, acquiredAt: now(), ...identity };
    const nonce = randomBytes(12).toString('hex');
    let created: boolean;
    let seen: Observed = { state: 'absent' };
    try {
      created = await createExclusive(path, encodeLock(owner, nonce));
      if (!created) seen = await observe(path);
    } catch (error) {
      throw new BridgeError(ErrorCode.Store, `Could not use the credential lock file ${path}`, {
        cause: error,
        hint: 'Check the permissions of the config directory, or choose another --config-dir.',
      });
    }
    if (created) {
      const lock = heldLock(key, path, owner, nonce, logger);
      if (signal?.aborted) {
        await lock.release();
        throw signal.reason;
      }
      return lock;
    }

    let progressed = false;
    if (seen.state === 'absent') {
      progressed = true; // released between our attempt and our look: try again at once
    } else {
      const judge = (lock: Exclude<Observed, { state: 'absent' }>) => staleness(lock, { host, now: now(), staleAfterMs, bootId: identity.bootId });
      const stale = await judge(seen);
      if (stale !== undefined) {
        const stillStale = async (lock: Exclude<Observed, { state: 'absent' }>) => (await judge(lock)) !== undefined;
        const outcome = await removeIfStill(path, identityOf(seen), stillStale).catch(() => 'kept' as const);
        if (outcome === 'removed') logger.info(`Took over the credential lock ${path}: ${stale}`);
        progressed = outcome !== 'kept';
      } else if (!announced) {
        announced = true;
        const who = seen.state === 'held' ? `process ${seen.owner.pid}` : 'another process';
        logger.info(`Waiting for ${who}, which is logging in to or refreshing the same server (lock ${path})`);
      }
    }

    const remaining = timeoutMs - (performance.now() - started);
    if (remaining <= 0) throw timedOut(path, seen, timeoutMs);
    if (!progressed) await pause(Math.min(remaining, pollMs * (0.75 + Math.random() / 2)), signal);
  }
}

/** Why a lock is stale, or `undefined` while it is live. */
async function staleness(
  seen: Exclude<Observed, { state: 'absent' }>,
  context: { host: string; now: number; staleAfterMs: number; bootId: string | undefined },
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

function timedOut(path: string, seen: Observed, timeoutMs: number): BridgeError {
  const holder = seen.state === 'held' ? `process ${seen.owner.pid} on ${seen.owner.hostname}` : 'another process';
  return new BridgeError(
    ErrorCode.Store,
    `Timed out after ${Math.round(timeoutMs / 1000)} s waiting for the credential lock held by ${holder}`,
    {
      cause: seen.state === 'held' ? { lock: path, owner: seen.owner } : { lock: path },
      hint: `Finish or cancel the login in the other mcp-auth-bridge; if none is running, delete ${path}.`,
    },
  );
}

function heldLock(key: string, path: string, owner: LockOwner, nonce: string, logger: Logger): CredentialLock {
  let released: Promise<void> | undefined;
  const release = async (): Promise<void> => {
    const claim = `${path}.${nonce}.claim`;
    let claimed: boolean;
    try {
      claimed = await createExclusive(claim, `${process.pid}\n`);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return; // the lock directory is gone, and the lock with it
      throw new BridgeError(ErrorCode.Store, `Could not release the credential lock ${path}`, { cause: error });
    }
    if (!claimed) {
      logger.debug(`The credential lock ${path} is being taken over by another process; leaving it`);
      return;
    }
    try {
      const current = await observe(path);
      if (current.state === 'held' && current.nonce === nonce) await removeFile(path);
      else logger.debug(`The credential lock ${path} was taken over by another process; leaving it`);
    } catch (error) {
      throw new BridgeError(ErrorCode.Store, `Could not release the credential lock ${path}`, { cause: error });
    } finally {
      await removeFile(claim).catch(() => undefined);
    }
  };
  return {
    key,
    path,
    owner,
    release: () => (released ??= release()),
  };
}

/**
 * A cross-process lock per credential key, held around a login or a token refresh, so that several bridges started
 * for the same server run one browser login between them and never spend a rotated refresh token twice.
 *
 * {@link acquireLock} creates the lock file (lock-file.ts) or, while another process holds it, polls until it is
 * gone or stale (staleness.ts), and takes a stale one over under a claim; {@link CredentialLock.release} removes it
 * again under a claim, only while it is still this holder's.
 */
import { randomBytes } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BridgeError, ErrorCode } from '../../errors.js';
import { type Logger, silentLogger } from '../../log.js';
import { assertCredentialKey } from '../model/keys.js';
import { lockFilePath, resolveConfigDir } from '../paths.js';
import { ensurePrivateDir, errnoCode, removeFile } from '../files/private-fs.js';
import {
  type LockOwner,
  type Observed,
  createExclusive,
  encodeLock,
  identityOf,
  observe,
  removeIfStill,
} from './lock-file.js';
import { readLockNote, writeLockNote } from './lock-note.js';
import { ownProcessIdentity } from './process-identity.js';
import { staleness } from './staleness.js';

export type { LockOwner } from './lock-file.js';

/** Default bound on waiting for a lock: a login in progress elsewhere may need the user for minutes. */
export const DEFAULT_LOCK_TIMEOUT_MS = 5 * 60_000;
/** Default age after which a lock is taken over even if its process seems alive (at least the login timeout). */
export const DEFAULT_LOCK_STALE_AFTER_MS = 10 * 60_000;
/** Default interval between attempts; each wait is jittered by ±25 % so that waiters do not move in lockstep. */
export const DEFAULT_LOCK_POLL_MS = 100;

/** Options for {@link acquireLock}. */
export interface AcquireLockOptions {
  /** Config directory (`--config-dir`); locks live in its `locks/`. Default: the platform config dir (paths.ts). */
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
  /**
   * While another live holder has the lock: called with the note it left ({@link CredentialLock.note}; undefined:
   * none), on the first look and whenever it changes.
   */
  onHeld?: (note: string | undefined) => void;
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
  /** Leaves `note` beside the lock for those waiting (lock-note.ts), or removes it (`undefined`); removed on release. */
  note(note: string | undefined): Promise<void>;
}

/** `value` (or `fallback`) checked as a number of milliseconds; throws {@link ErrorCode.Internal} naming `name`. */
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
 * holds it, and taking over a stale one (see staleness.ts). Resolves a {@link CredentialLock}; call
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
  let heard: string | null | undefined = null;
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
      } else {
        if (!announced) {
          announced = true;
          const who = seen.state === 'held' ? `process ${seen.owner.pid}` : 'another process';
          logger.info(`Waiting for ${who}, which is logging in to or refreshing the same server (lock ${path})`);
        }
        if (options.onHeld && seen.state === 'held') {
          const note = await readLockNote(path, seen.nonce);
          if (note !== heard) options.onHeld((heard = note));
        }
      }
    }

    const remaining = timeoutMs - (performance.now() - started);
    if (remaining <= 0) throw timedOut(path, seen, timeoutMs);
    if (!progressed) await pause(Math.min(remaining, pollMs * (0.75 + Math.random() / 2)), signal);
  }
}

/** The error for a wait that ran out, naming the holder and what to do. */
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

/** The {@link CredentialLock} for a lock file this process created with `nonce`. */
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
      if (current.state === 'held' && current.nonce === nonce) {
        await writeLockNote(path, nonce, undefined);
        await removeFile(path);
      }
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
    note: async (note) => {
      if (released) return;
      const current = await observe(path);
      if (current.state === 'held' && current.nonce === nonce) await writeLockNote(path, nonce, note);
    },
  };
}

/**
 * The cross-process lock of one server's logins and refreshes: one per (issuer, resource), so parallel bridges open
 * one browser tab and never spend a rotated refresh token twice. Another process's login is waited for as long as
 * it may take (`--auth-timeout` plus a margin); with no limit (`--auth-timeout 0`), as long as it lasts. A store that
 * brings its own exclusion (serve's Redis store, across instances: `CredentialStore.exclusive`) is used instead.
 * Either carries the holder's browser login to those who wait ({@link ServerLockOptions.onHeldElsewhere}: the
 * lease's note, or the lock file's, lock/lock-note.ts), so every process or instance can offer the one login under
 * way instead of waiting in silence.
 */
import type { Logger } from '../log.js';
import type { CredentialStore, ExclusiveHold } from '../store/credential-store.js';
import { acquireLock, tokenKey } from '../store/index.js';

/** Options for {@link withServerLock}. */
export interface ServerLockOptions {
  issuer: string;
  resource: string;
  /** `--auth-timeout`; 0 = no limit. */
  authTimeoutMs: number;
  configDir?: string | undefined;
  logger: Logger;
  /** The store in use: its own exclusion, when it has one, stands in for the file lock. */
  store?: CredentialStore;
  /** While another holder has the lock, the browser login it shared: see `ExclusiveScope.onHeldElsewhere`. */
  onHeldElsewhere?: (loginUrl: string | undefined) => void;
}

/** What the holder may do: share its browser login with those waiting. */
export type ServerLockHold = ExclusiveHold;

/** How long to wait for another holder's login or refresh: `--auth-timeout` plus a margin; 0 = no limit. */
function serverLockBound(authTimeoutMs: number): number {
  return authTimeoutMs > 0 ? authTimeoutMs + 30_000 : Number.MAX_SAFE_INTEGER;
}

/** Runs `work` holding the lock of (issuer, resource). */
export async function withServerLock<T>(o: ServerLockOptions, work: (hold: ServerLockHold) => Promise<T>): Promise<T> {
  const bound = serverLockBound(o.authTimeoutMs);
  if (o.store?.exclusive) {
    const heard = o.onHeldElsewhere ? { onHeldElsewhere: o.onHeldElsewhere } : {};
    return o.store.exclusive({ issuer: o.issuer, resource: o.resource, timeoutMs: bound, ...heard }, work);
  }
  const lock = await acquireLock(tokenKey({ issuer: o.issuer, resource: o.resource, clientId: '*' }), {
    ...(o.configDir ? { configDir: o.configDir } : {}),
    timeoutMs: bound,
    staleAfterMs: bound,
    logger: o.logger,
    ...(o.onHeldElsewhere ? { onHeld: o.onHeldElsewhere } : {}),
  });
  const hold: ServerLockHold = {
    share: (url) =>
      lock.note(url).catch((error: unknown) => {
        o.logger.warn(`could not share the login under way with other processes: ${(error as Error).message}`);
      }),
  };
  try {
    return await work(hold);
  } finally {
    await lock.release();
  }
}

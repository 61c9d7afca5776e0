/**
 * The cross-process lock of one server's logins and refreshes: one per (issuer, resource), so parallel bridges open
 * one browser tab and never spend a rotated refresh token twice. Another process's login is waited for as long as
 * it may take (`--auth-timeout` plus a margin); with no limit (`--auth-timeout 0`), as long as it lasts. A store that
 * brings its own exclusion (serve's Redis store, across instances: `CredentialStore.exclusive`) is used instead; it
 * also carries the holder's browser login to those who wait ({@link ServerLockOptions.onHeldElsewhere}), so every
 * instance can offer the one login under way. The file lock carries none: the process that waits says it waits.
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
  /** While another holder has the lock, the browser login it shared (a store's exclusion only): see `ExclusiveScope`. */
  onHeldElsewhere?: (loginUrl: string | undefined) => void;
}

/** What the holder may do: share its browser login with those waiting (a no-op under the file lock). */
export type ServerLockHold = ExclusiveHold;

const NOTHING_SHARED: ServerLockHold = { share: async () => undefined };

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
  });
  try {
    return await work(NOTHING_SHARED);
  } finally {
    await lock.release();
  }
}

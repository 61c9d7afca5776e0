/**
 * The cross-process lock of one server's logins and refreshes: one per (issuer, resource), so parallel bridges open
 * one browser tab and never spend a rotated refresh token twice. Another process's login is waited for as long as
 * it may take (`--auth-timeout` plus a margin); with no limit (`--auth-timeout 0`), as long as it lasts.
 */
import type { Logger } from '../log.js';
import { acquireLock, tokenKey } from '../store/index.js';

/** Options for {@link withServerLock}. */
export interface ServerLockOptions {
  issuer: string;
  resource: string;
  /** `--auth-timeout`; 0 = no limit. */
  authTimeoutMs: number;
  configDir?: string | undefined;
  logger: Logger;
}

/** How long to wait for another holder's login or refresh: `--auth-timeout` plus a margin; 0 = no limit. */
export function serverLockBound(authTimeoutMs: number): number {
  return authTimeoutMs > 0 ? authTimeoutMs + 30_000 : Number.MAX_SAFE_INTEGER;
}

/** Runs `work` holding the lock of (issuer, resource). */
export async function withServerLock<T>(o: ServerLockOptions, work: () => Promise<T>): Promise<T> {
  const bound = serverLockBound(o.authTimeoutMs);
  const lock = await acquireLock(tokenKey({ issuer: o.issuer, resource: o.resource, clientId: '*' }), {
    ...(o.configDir ? { configDir: o.configDir } : {}),
    timeoutMs: bound,
    staleAfterMs: bound,
    logger: o.logger,
  });
  try {
    return await work();
  } finally {
    await lock.release();
  }
}

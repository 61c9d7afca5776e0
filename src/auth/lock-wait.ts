/**
 * An Authorizer's wait for its server's lock (server-lock.ts), and what it learns meanwhile: the browser login the
 * holder shares. While the wait lasts, that login is the one to offer (the Authorizer's `pendingLoginUrl`); once the
 * lock is had, the work is told when a shared login was first heard, so a login made through it is adopted rather
 * than made again.
 */
import { withServerLock, type ServerLockHold, type ServerLockOptions } from './server-lock.js';

/** Work under the lock: the hold, and when a login shared by the previous holder was first heard (else undefined). */
export type LockedWork<T> = (hold: ServerLockHold, followedSince: number | undefined) => Promise<T>;

/** See the module comment. One per Authorizer; its logins and refreshes run one at a time. */
export class LockWait {
  readonly #now: () => number;
  #shared: string | undefined;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** The login the lock's holder shares while this process waits for it; else undefined. */
  get sharedLoginUrl(): string | undefined {
    return this.#shared;
  }

  /** Runs `work` under the lock of `options` (server-lock.ts), hearing the holder's shared login while waiting. */
  async run<T>(options: Omit<ServerLockOptions, 'onHeldElsewhere'>, work: LockedWork<T>): Promise<T> {
    let since: number | undefined;
    const onHeldElsewhere = (url: string | undefined): void => {
      this.#shared = url;
      if (url !== undefined) since ??= this.#now();
    };
    try {
      return await withServerLock({ ...options, onHeldElsewhere }, (hold) => {
        this.#shared = undefined;
        return work(hold, since);
      });
    } finally {
      this.#shared = undefined;
    }
  }
}

/**
 * An Authorizer's wait for its server's lock (server-lock.ts), and what it learns meanwhile: the browser login the
 * holder shares. While the wait lasts, that login is the one to offer (the Authorizer's `pendingLoginUrl`); once the
 * lock is had, the work is told whether a login was shared, so a login made through it is adopted rather than made
 * again. (Whether one was made is the store's to tell, by what it holds, never by comparing this clock with the
 * holder's: they may be different machines.)
 */
import { withServerLock, type ServerLockHold, type ServerLockOptions } from './server-lock.js';

/** Work under the lock: the hold, and whether a previous holder shared a login while this process waited. */
export type LockedWork<T> = (hold: ServerLockHold, followed: boolean) => Promise<T>;

/** See the module comment. One per Authorizer; its logins and refreshes run one at a time. */
export class LockWait {
  #shared: string | undefined;

  /** The login the lock's holder shares while this process waits for it; else undefined. */
  get sharedLoginUrl(): string | undefined {
    return this.#shared;
  }

  /** Runs `work` under the lock of `options` (server-lock.ts), hearing the holder's shared login while waiting. */
  async run<T>(options: Omit<ServerLockOptions, 'onHeldElsewhere'>, work: LockedWork<T>): Promise<T> {
    let followed = false;
    const onHeldElsewhere = (url: string | undefined): void => {
      this.#shared = url;
      if (url !== undefined) followed = true;
    };
    try {
      return await withServerLock({ ...options, onHeldElsewhere }, (hold) => {
        this.#shared = undefined;
        return work(hold, followed);
      });
    } finally {
      this.#shared = undefined;
    }
  }
}

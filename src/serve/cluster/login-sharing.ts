/**
 * Upstream logins across instances: a login waits in the process that started it (its verifier and its client's
 * request are there), but the browser's answer at `<public URL>/oauth/callback` may reach any instance. The hub
 * tells the others where each `state` waits (recorded for the login's longest wait), and an instance that receives
 * an answer for a state it does not hold relays it to the one that does; the user the browser showed travels with
 * it, and that instance's hub still refuses another user's browser.
 */
import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { ServeCluster } from './types.js';

/** How long a login's record lasts: longer than any login waits for its browser. */
const LOGIN_TTL_MS = 60 * 60_000;

/** The hub's side (auth/web-callback/hub.ts `sharing`). */
export function clusterLogins(cluster: ServeCluster, logger: Logger): { announce(state: string, owner: string): void; forget(state: string): void } {
  return {
    announce: (state, owner) =>
      void cluster.hold({ kind: 'login', id: state, owner: { user: owner, method: 'any' }, data: '', ttlMs: LOGIN_TTL_MS }).catch((error: unknown) => {
        logger.warn(`a login is not recorded in Redis (${describeError(error)}); its browser answer works on this instance only`);
      }),
    forget: (state) => cluster.release('login', state),
  };
}

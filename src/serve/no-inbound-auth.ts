/**
 * The inbound authenticator of `serve` without inbound auth: every request is from the one local user. Allowed only
 * on loopback, or with the loud `--insecure-no-auth` opt-out (bind-policy.ts).
 */
import type { InboundAuthenticator, InboundIdentity } from './inbound-auth/types.js';

const LOCAL: InboundIdentity = Object.freeze({ user: 'local', method: 'none' });

/** An {@link InboundAuthenticator} that accepts every request as `{ user: 'local', method: 'none' }` (`required` false). */
export function noInboundAuth(): InboundAuthenticator {
  return {
    required: false,
    authenticate: async () => ({ ok: true, identity: LOCAL }),
    route: () => false,
  };
}

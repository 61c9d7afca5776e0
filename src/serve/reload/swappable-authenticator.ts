/**
 * The inbound authenticator of a `serve` whose configuration can be reloaded: the front asks it for every request,
 * and it answers with the authenticator in force. A reload swaps that authenticator; requests from then on are
 * judged by the new one (a user whose token was removed gets 401 on their next request), while sessions already
 * open keep the identity they were opened with (the front checks each request's identity against the session's).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BrowserSignInMethods, InboundAuthenticator, InboundOutcome } from '../inbound-auth/types.js';

/** An {@link InboundAuthenticator} that forwards to the one in force; see the module comment. */
export class SwappableAuthenticator implements InboundAuthenticator {
  #current: InboundAuthenticator;

  constructor(initial: InboundAuthenticator) {
    this.#current = initial;
  }

  /** Whether the authenticator in force requires credentials. */
  get required(): boolean {
    return this.#current.required;
  }

  /** Judges new requests by `next` from now on. */
  swap(next: InboundAuthenticator): void {
    this.#current = next;
  }

  authenticate(req: IncomingMessage): Promise<InboundOutcome> {
    return this.#current.authenticate(req);
  }

  route(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    return this.#current.route(req, res, path);
  }

  /** How browsers sign in under the authenticator in force. */
  get signIn(): BrowserSignInMethods | undefined {
    return this.#current.signIn;
  }
}

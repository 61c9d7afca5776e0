/**
 * CSRF protection for the status page's forms: a token bound to the signed-in user (an HMAC of the user under the
 * browser state's key for these forms — made at start on files, shared by every instance on Redis — so no state is
 * kept per form and a page of one instance may post to another), checked in constant time on every POST, with the
 * request's Origin, which must be the page's own (a browser sends it on every cross-site form post).
 */
import { randomMacKey } from '../browser-state/memory-browser-state.js';
import type { MacKey } from '../browser-state/port.js';

/** Makes and checks the forms' tokens; see the module comment. */
export class CsrfTokens {
  readonly #key: MacKey;
  readonly #origin: () => string;

  /**
   * `origin`: the page's own origin (the public URL's; known once serve listens); `key`: the browser state's key
   * for these forms (default: one made now, for this process).
   */
  constructor(origin: string | (() => string), key: MacKey = randomMacKey()) {
    this.#origin = typeof origin === 'string' ? () => origin : origin;
    this.#key = key;
  }

  /** The token for `user`'s forms. */
  tokenFor(user: string): string {
    return this.#key.sign(`status-page\0${user}`);
  }

  /** Whether a POST from `user` with `token` and the request's `origin` header may act. */
  accepts(user: string, token: string | null, origin: string | undefined): boolean {
    if (origin !== undefined && origin !== this.#origin()) return false;
    if (token === null) return false;
    return this.#key.verify(`status-page\0${user}`, token);
  }
}

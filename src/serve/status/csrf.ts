/**
 * CSRF protection for the status page's forms: a token bound to the signed-in user (an HMAC of the user with a key
 * made at start-up, so no state is kept per form), checked in constant time on every POST, together with the
 * request's Origin, which must be the page's own (a browser sends it on every cross-site form post).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Makes and checks the forms' tokens; see the module comment. */
export class CsrfTokens {
  readonly #key = randomBytes(32);
  readonly #origin: () => string;

  /** `origin`: the page's own origin (the public URL's; known once serve listens). */
  constructor(origin: string | (() => string)) {
    this.#origin = typeof origin === 'string' ? () => origin : origin;
  }

  /** The token for `user`'s forms. */
  tokenFor(user: string): string {
    return createHmac('sha256', this.#key).update(`status-page\0${user}`, 'utf8').digest('base64url');
  }

  /** Whether a POST from `user` with `token` and the request's `origin` header may act. */
  accepts(user: string, token: string | null, origin: string | undefined): boolean {
    if (origin !== undefined && origin !== this.#origin()) return false;
    if (token === null) return false;
    const expected = Buffer.from(this.tokenFor(user));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/**
 * CSRF protection of the sign-in form, before anyone is signed in (so no user to bind a token to): the sign-in page
 * sets a short-lived random cookie, and the form carries an HMAC of it under a key made at start. A POST is taken
 * only with both, matching, and from the page's own origin: another site can make a browser post the form, but
 * cannot read or set the cookie, so it cannot sign a victim's browser in as someone else (login CSRF).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { cookieName, cookieOf, setCookie } from './cookies.js';

/** How long a sign-in form stays usable. */
const FORM_LIFETIME_S = 15 * 60;

/** See the module comment. */
export class SignInCsrf {
  readonly #key = randomBytes(32);
  readonly #secure: () => boolean;
  readonly #origin: () => string;

  constructor(o: { secure: () => boolean; origin: () => string }) {
    this.#secure = o.secure;
    this.#origin = o.origin;
  }

  get #name(): string {
    return cookieName('mab-signin', this.#secure());
  }

  /** For a new sign-in page: the form's value, and the `Set-Cookie` (kept when `req` already has a good cookie). */
  issue(req: IncomingMessage): { csrf: string; cookie: string | undefined } {
    const present = cookieOf(req, this.#name);
    const nonce = present !== undefined && /^[A-Za-z0-9_-]{22}$/.test(present) ? present : randomBytes(16).toString('base64url');
    const cookie = nonce === present ? undefined : setCookie(this.#name, nonce, { maxAgeSeconds: FORM_LIFETIME_S, secure: this.#secure() });
    return { csrf: this.#mac(nonce), cookie };
  }

  /** Whether a POST of the form with `csrf` may act. */
  accepts(req: IncomingMessage, csrf: string | null): boolean {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== this.#origin()) return false;
    const nonce = cookieOf(req, this.#name);
    if (nonce === undefined || csrf === null) return false;
    const expected = Buffer.from(this.#mac(nonce));
    const given = Buffer.from(csrf);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  #mac(nonce: string): string {
    return createHmac('sha256', this.#key).update(`sign-in\0${nonce}`, 'utf8').digest('base64url');
  }
}

/**
 * CSRF protection of the sign-in form, before anyone is signed in (so no user to bind a token to): the sign-in page
 * sets a short-lived random cookie, and the form carries an HMAC of it under the browser state's sign-in form key
 * (browser-state/: made at start on files, shared by every instance on Redis, so the form of one instance may be
 * posted to another). A POST is taken
 * only with both, matching, and from the page's own origin: another site can make a browser post the form, but
 * cannot read or set the cookie, so it cannot sign a victim's browser in as someone else (login CSRF).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { MacKey } from '../browser-state/port.js';
import { cookieName, cookieOf, setCookie } from './cookies.js';

/** How long a sign-in form stays usable. */
const FORM_LIFETIME_S = 15 * 60;

/** See the module comment. */
export class SignInCsrf {
  readonly #key: MacKey;
  readonly #secure: () => boolean;
  readonly #origin: () => string;

  /** `key`: the browser state's key for the sign-in form. */
  constructor(o: { secure: () => boolean; origin: () => string; key: MacKey }) {
    this.#secure = o.secure;
    this.#origin = o.origin;
    this.#key = o.key;
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
    return this.#key.verify(`sign-in\0${nonce}`, csrf);
  }

  #mac(nonce: string): string {
    return this.#key.sign(`sign-in\0${nonce}`);
  }
}

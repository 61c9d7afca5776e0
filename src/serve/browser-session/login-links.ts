/**
 * The upstream login links serve gives MCP clients (a URL-mode elicitation, or the link in an error): instead of the
 * authorization server's URL itself, a link to serve (`<public URL>/login/<id>`, the id random) that remembers whose
 * login it is. Followed in a browser, it leads through sign-in when the browser has no session, and on to the
 * authorization server only for the user the login is for: another user's browser gets a refusal, so a link passed
 * on (or planted) cannot make someone log in to an upstream server on another user's behalf. Bounded in memory;
 * a link outlives its login by at most {@link LINK_LIFETIME_MS} (the callback then says the login is over).
 */
import { randomBytes } from 'node:crypto';

/** The links' path prefix. */
export const LOGIN_LINK_PREFIX = '/login/';
/** How long a link is kept. */
export const LINK_LIFETIME_MS = 60 * 60 * 1000;
/** Bound on links kept. */
export const MAX_LINKS = 2000;

/** A login a link leads to. */
export interface LinkedLogin {
  /** The user the login is for. */
  owner: string;
  /** The authorization server's URL of the login. */
  url: string;
}

/** See the module comment. */
export class LoginLinks {
  readonly #origin: () => string;
  readonly #now: () => number;
  /** By id, oldest first. */
  readonly #byId = new Map<string, LinkedLogin & { at: number }>();
  /** The id of each (owner, url), so one login keeps one link. */
  readonly #byLogin = new Map<string, string>();

  constructor(o: { origin: () => string; now?: () => number }) {
    this.#origin = o.origin;
    this.#now = o.now ?? Date.now;
  }

  /** The link to `owner`'s login at `url`. */
  wrap(owner: string, url: string): string {
    const key = `${owner}\0${url}`;
    let id = this.#byLogin.get(key);
    if (id === undefined || !this.#byId.has(id)) {
      const now = this.#now();
      for (const [old, entry] of this.#byId) {
        if (now - entry.at < LINK_LIFETIME_MS && this.#byId.size < MAX_LINKS) break;
        this.#byId.delete(old);
        this.#byLogin.delete(`${entry.owner}\0${entry.url}`);
      }
      id = randomBytes(18).toString('base64url');
      this.#byId.set(id, { owner, url, at: now });
      this.#byLogin.set(key, id);
    }
    return `${this.#origin()}${LOGIN_LINK_PREFIX}${id}`;
  }

  /** The login of link `id`, while it is kept. */
  find(id: string): LinkedLogin | undefined {
    const entry = this.#byId.get(id);
    if (!entry || this.#now() - entry.at >= LINK_LIFETIME_MS) return undefined;
    return { owner: entry.owner, url: entry.url };
  }
}

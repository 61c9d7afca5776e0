/**
 * The upstream login links serve gives MCP clients (a URL-mode elicitation, or the link in an error): instead of the
 * authorization server's URL itself, a link to serve (`<public URL>/login/<id>`, the id random) that remembers whose
 * login it is. Followed in a browser, it leads through sign-in when the browser has no session, and on to the
 * authorization server only for the user the login is for: another user's browser gets a refusal, so a link passed
 * on (or planted) cannot make someone log in to an upstream server on another user's behalf. The links are kept in
 * the browser state (browser-state/: this process's memory, or sealed in Redis so the link works on any instance),
 * bounded, each for {@link LINK_LIFETIME_MS}: a link outlives its login by at most that (the callback then says the
 * login is over).
 */
import { randomBytes } from 'node:crypto';
import type { SharedRecords } from '../browser-state/port.js';

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

/** Options for {@link LoginLinks}. */
export interface LoginLinksOptions {
  origin: () => string;
  /** Where the links are kept (at most {@link MAX_LINKS}). */
  records: SharedRecords;
  now?: () => number;
}

/** See the module comment. */
export class LoginLinks {
  readonly #o: LoginLinksOptions;
  readonly #now: () => number;
  /** The id of each (owner, url) made here and when, oldest first, so one login keeps one link. */
  readonly #byLogin = new Map<string, { id: string; at: number }>();

  constructor(o: LoginLinksOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  /**
   * The link to `owner`'s login at `url`. The link is kept on the way (a shared store's write is not awaited: a
   * failure is logged by the store, that link then answers that it has expired, and the next call makes another).
   */
  wrap(owner: string, url: string): string {
    const key = `${owner}\0${url}`;
    const now = this.#now();
    let made = this.#byLogin.get(key);
    if (made === undefined || now - made.at >= LINK_LIFETIME_MS) {
      for (const [old, entry] of this.#byLogin) {
        if (now - entry.at < LINK_LIFETIME_MS && this.#byLogin.size < MAX_LINKS) break;
        this.#byLogin.delete(old);
      }
      made = { id: randomBytes(18).toString('base64url'), at: now };
      this.#byLogin.delete(key);
      this.#byLogin.set(key, made);
      const login: LinkedLogin = { owner, url };
      const kept = made;
      this.#o.records.put(made.id, JSON.stringify(login), LINK_LIFETIME_MS).catch(() => {
        // Not kept (the store logs why): the next link to this login is a new one, which may be.
        if (this.#byLogin.get(key) === kept) this.#byLogin.delete(key);
      });
    }
    return `${this.#o.origin()}${LOGIN_LINK_PREFIX}${made.id}`;
  }

  /**
   * The login of link `id`, while it is kept.
   * @throws BridgeError `STORE` when the links cannot be read (a shared store away)
   */
  async find(id: string): Promise<LinkedLogin | undefined> {
    if (id === '' || id.length > 64) return undefined;
    const text = await this.#o.records.get(id);
    if (text === undefined) return undefined;
    try {
      const login = JSON.parse(text) as Partial<LinkedLogin>;
      return typeof login.owner === 'string' && typeof login.url === 'string' ? { owner: login.owner, url: login.url } : undefined;
    } catch {
      return undefined;
    }
  }
}

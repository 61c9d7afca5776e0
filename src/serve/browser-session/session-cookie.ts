/**
 * The browser session of serve's status page: a cookie whose value is a record naming the user, a random session id
 * and the expiry, signed with HMAC-SHA256 under the browser state's session key (browser-state/: made at start on
 * files, so a restart signs everyone out; derived from the store's keys on Redis, so every instance verifies it).
 * Verified in constant time; an expired, forged or signed-out record names nobody. Sign-out remembers the session id
 * until its expiry (bounded; in Redis when shared, so every instance refuses it), so a copy of the cookie kept from
 * before does not sign in again. The cookie is read only by the browser routes (status page, its forms, sign-in,
 * upstream login links and callback): never as inbound auth of the MCP endpoints.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { memoryBrowserState } from '../browser-state/memory-browser-state.js';
import type { BrowserState, MacKey, SharedRecords } from '../browser-state/port.js';
import { clearCookie, cookieName, cookieOf, setCookie } from './cookies.js';

/** How long a browser session lasts: 8 hours, a working day. */
export const SESSION_LIFETIME_MS = 8 * 60 * 60 * 1000;
/** Bound on signed-out sessions remembered until their expiry. */
export const MAX_SIGNED_OUT = 10_000;

/** How a browser signed in. */
export type SignInMethod = 'token' | 'oidc';

/** A verified session. */
export interface BrowserSession {
  user: string;
  method: SignInMethod;
  /** The session's random id (what sign-out forgets). */
  id: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** Options for {@link SessionCookies}. */
export interface SessionCookiesOptions {
  /** Whether the public URL is https (the cookie is then `__Host-` prefixed and Secure). */
  secure: () => boolean;
  /** The clock, ms; default `Date.now`. */
  now?: () => number;
  /** Default {@link SESSION_LIFETIME_MS}. */
  lifetimeMs?: number;
  /** Where the key and the signed-out sessions are kept; default this process's memory. */
  state?: BrowserState;
}

/** Issues, reads and ends browser sessions; see the module comment. */
export class SessionCookies {
  readonly #o: SessionCookiesOptions;
  readonly #key: MacKey;
  /** Signed-out session ids, each kept until the session would have expired. */
  readonly #signedOut: SharedRecords;

  constructor(o: SessionCookiesOptions) {
    this.#o = o;
    const state = o.state ?? memoryBrowserState(o.now ? { now: o.now } : {});
    this.#key = state.macKey('browser-session');
    this.#signedOut = state.records('signed-out', MAX_SIGNED_OUT);
  }

  /** The cookie's name (`__Host-mab-session` on https, `mab-session` on http). */
  get name(): string {
    return cookieName('mab-session', this.#o.secure());
  }

  /** A `Set-Cookie` value that signs `user` in (by `method`) for {@link SESSION_LIFETIME_MS}. */
  issue(user: string, method: SignInMethod): string {
    const lifetime = this.#o.lifetimeMs ?? SESSION_LIFETIME_MS;
    const record = { u: user, m: method, i: randomBytes(16).toString('base64url'), e: this.#now() + lifetime };
    const body = Buffer.from(JSON.stringify(record), 'utf8').toString('base64url');
    return setCookie(this.name, `${body}.${this.#sign(body)}`, { maxAgeSeconds: lifetime / 1000, secure: this.#o.secure() });
  }

  /**
   * The session `req`'s cookie carries, when it is one of ours, unexpired and not signed out.
   * @throws BridgeError `STORE` when the signed-out sessions cannot be read (a shared store away)
   */
  async read(req: IncomingMessage): Promise<BrowserSession | undefined> {
    const value = cookieOf(req, this.name);
    if (value === undefined || value.length > 4096) return undefined;
    const dot = value.indexOf('.');
    if (dot < 0) return undefined;
    const body = value.slice(0, dot);
    if (!this.#key.verify(`browser-session\0${body}`, value.slice(dot + 1))) return undefined;
    let record: { u?: unknown; m?: unknown; i?: unknown; e?: unknown };
    try {
      record = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof record;
    } catch {
      return undefined;
    }
    if (typeof record.u !== 'string' || record.u === '' || typeof record.i !== 'string' || typeof record.e !== 'number') return undefined;
    if (record.m !== 'token' && record.m !== 'oidc') return undefined;
    if (record.e <= this.#now() || (await this.#signedOut.has(record.i))) return undefined;
    return { user: record.u, method: record.m, id: record.i, expiresAt: record.e };
  }

  /**
   * Ends `session` (it is refused from now on, until it would have expired) and returns the `Set-Cookie` value that
   * clears the cookie.
   * @throws BridgeError `STORE` when the sign-out cannot be kept (a shared store away)
   */
  async end(session: BrowserSession | undefined): Promise<string> {
    const left = session ? session.expiresAt - this.#now() : 0;
    if (session && left > 0) await this.#signedOut.put(session.id, '1', left);
    return clearCookie(this.name, this.#o.secure());
  }

  #sign(body: string): string {
    return this.#key.sign(`browser-session\0${body}`);
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }
}

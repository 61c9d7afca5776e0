/**
 * The browser session of serve's status page: a cookie whose value is a record naming the user, a random session id
 * and the expiry, signed with HMAC-SHA256 under a key made at start (a restart signs everyone out). Verified in
 * constant time; an expired, forged or signed-out record names nobody. Sign-out forgets the session id until its
 * expiry (bounded memory), so a copy of the cookie kept from before does not sign in again. The cookie is read only
 * by the browser routes (status page, its forms, sign-in, upstream login links and callback): never as inbound auth
 * of the MCP endpoints.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
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
}

/** Issues, reads and ends browser sessions; see the module comment. */
export class SessionCookies {
  readonly #key = randomBytes(32);
  readonly #o: SessionCookiesOptions;
  /** Signed-out session ids and when they would have expired; oldest first. */
  readonly #signedOut = new Map<string, number>();

  constructor(o: SessionCookiesOptions) {
    this.#o = o;
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

  /** The session `req`'s cookie carries, when it is one of ours, unexpired and not signed out. */
  read(req: IncomingMessage): BrowserSession | undefined {
    const value = cookieOf(req, this.name);
    if (value === undefined || value.length > 4096) return undefined;
    const dot = value.indexOf('.');
    if (dot < 0) return undefined;
    const body = value.slice(0, dot);
    const given = Buffer.from(value.slice(dot + 1));
    const expected = Buffer.from(this.#sign(body));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let record: { u?: unknown; m?: unknown; i?: unknown; e?: unknown };
    try {
      record = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof record;
    } catch {
      return undefined;
    }
    if (typeof record.u !== 'string' || record.u === '' || typeof record.i !== 'string' || typeof record.e !== 'number') return undefined;
    if (record.m !== 'token' && record.m !== 'oidc') return undefined;
    if (record.e <= this.#now() || this.#signedOut.has(record.i)) return undefined;
    return { user: record.u, method: record.m, id: record.i, expiresAt: record.e };
  }

  /** Ends `session` (it is refused from now on) and returns the `Set-Cookie` value that clears the cookie. */
  end(session: BrowserSession | undefined): string {
    if (session) {
      const now = this.#now();
      for (const [id, expires] of this.#signedOut) {
        if (expires > now && this.#signedOut.size < MAX_SIGNED_OUT) break;
        this.#signedOut.delete(id);
      }
      this.#signedOut.set(session.id, session.expiresAt);
    }
    return clearCookie(this.name, this.#o.secure());
  }

  /** How many ended sessions are remembered now (at most {@link MAX_SIGNED_OUT}). */
  get endedSessions(): number {
    return this.#signedOut.size;
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#key).update(`browser-session\0${body}`, 'utf8').digest('base64url');
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }
}

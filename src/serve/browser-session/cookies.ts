/**
 * Cookies as serve's browser pages use them (RFC 6265): the `Cookie` header read into names and values, and
 * `Set-Cookie` values written with the attributes every one of ours carries — HttpOnly, SameSite=Lax, Path=/,
 * Secure on https, a bounded Max-Age — so no cookie of serve is readable by script or sent on cross-site POSTs.
 */
import type { IncomingMessage } from 'node:http';

/** The value of cookie `name` in `req`, or undefined; a name given twice counts as absent (one may be planted). */
export function cookieOf(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  let found: string | undefined;
  let count = 0;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    count++;
    found = part.slice(eq + 1).trim();
  }
  return count === 1 ? found : undefined;
}

/** What a `Set-Cookie` of serve says besides its name and value. */
export interface CookieAttributes {
  /** Seconds until the browser drops it; 0 clears it now. */
  maxAgeSeconds: number;
  /** Whether the public URL is https: the cookie is then `Secure`. */
  secure: boolean;
}

/** A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure on https, Max-Age as given. */
export function setCookie(name: string, value: string, a: CookieAttributes): string {
  return `${name}=${value}; Path=/; Max-Age=${Math.max(0, Math.floor(a.maxAgeSeconds))}; HttpOnly; SameSite=Lax${a.secure ? '; Secure' : ''}`;
}

/** A `Set-Cookie` value that removes cookie `name`. */
export function clearCookie(name: string, secure: boolean): string {
  return setCookie(name, '', { maxAgeSeconds: 0, secure });
}

/**
 * The name for a cookie of serve: with the `__Host-` prefix on https (RFC 6265bis §4.1.3.2: only Secure, no Domain,
 * Path=/, so no sibling host can set or shadow it); plain on http, where browsers refuse the prefix.
 */
export function cookieName(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base;
}

/**
 * A minimal cookie jar for driving the provider's login pages with `fetch`: cookies are kept per origin, matched by
 * path prefix, and removed when a response expires them. Enough for oidc-provider's `_interaction`,
 * `_interaction_resume` and `_session` cookies; not a general RFC 6265 implementation (no domains, no `Secure`).
 */

interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

/** Cookies by origin. Share one between logins to keep the provider session (a second login is then silent). */
export class CookieJar {
  readonly #byOrigin = new Map<string, StoredCookie[]>();

  /** Stores the cookies set by `response` to a request for `url`. */
  store(url: string | URL, response: Response): void {
    const target = new URL(url);
    const cookies = this.#byOrigin.get(target.origin) ?? [];
    for (const header of response.headers.getSetCookie()) {
      const parsed = parseSetCookie(header, target.pathname);
      if (!parsed) continue;
      const kept = cookies.filter((c) => !(c.name === parsed.cookie.name && c.path === parsed.cookie.path));
      if (!parsed.expired) kept.push(parsed.cookie);
      cookies.splice(0, cookies.length, ...kept);
    }
    this.#byOrigin.set(target.origin, cookies);
  }

  /** The `Cookie` header value for a request to `url`, or undefined when no cookie applies. */
  header(url: string | URL): string | undefined {
    const target = new URL(url);
    const matching = (this.#byOrigin.get(target.origin) ?? [])
      .filter((c) => pathMatches(target.pathname, c.path))
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length > 0 ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }

  /** Names of the cookies held for `origin` (for assertions and debugging; values are not exposed). */
  names(origin: string): string[] {
    return (this.#byOrigin.get(new URL(origin).origin) ?? []).map((c) => c.name);
  }

  /** Forgets every cookie. */
  clear(): void {
    this.#byOrigin.clear();
  }
}

function parseSetCookie(header: string, requestPath: string): { cookie: StoredCookie; expired: boolean } | undefined {
  const [pair = '', ...attributes] = header.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return undefined;
  const cookie: StoredCookie = {
    name: pair.slice(0, eq).trim(),
    value: pair.slice(eq + 1).trim(),
    path: defaultPath(requestPath),
  };
  let expired = false;
  for (const attribute of attributes) {
    const [rawName = '', ...rest] = attribute.split('=');
    const name = rawName.trim().toLowerCase();
    const value = rest.join('=').trim();
    if (name === 'path' && value.startsWith('/')) cookie.path = value;
    if (name === 'max-age' && Number(value) <= 0) expired = true;
    if (name === 'expires' && Date.parse(value) <= Date.now()) expired = true;
  }
  return { cookie, expired };
}

/** RFC 6265 §5.1.4 default-path. */
function defaultPath(requestPath: string): string {
  const slash = requestPath.lastIndexOf('/');
  return slash <= 0 ? '/' : requestPath.slice(0, slash);
}

/** RFC 6265 §5.1.4 path-match. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

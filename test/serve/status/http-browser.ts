/**
 * A browser in small for HTTP-level tests of serve's browser pages: fetch with `redirect: 'manual'`, a cookie jar
 * for one origin (Set-Cookie stored, Max-Age=0 removes), and the page's forms read (hidden fields). Every request
 * is bounded in time.
 */
export class HttpBrowser {
  readonly cookies = new Map<string, string>();
  readonly #origin: string;

  constructor(origin: string) {
    this.#origin = origin;
  }

  /** One request to `path` (or an absolute URL on the origin) with the jar's cookies; Set-Cookie kept. */
  async request(path: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Response> {
    const url = path.startsWith('http') ? path : `${this.#origin}${path}`;
    const headers: Record<string, string> = { ...init.headers };
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (cookie && new URL(url).origin === this.#origin) headers.cookie = cookie;
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(15_000),
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    if (new URL(url).origin === this.#origin) {
      for (const line of response.headers.getSetCookie()) {
        const [pair, ...attributes] = line.split(';');
        const eq = pair!.indexOf('=');
        const name = pair!.slice(0, eq).trim();
        if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
        else this.cookies.set(name, pair!.slice(eq + 1).trim());
      }
    }
    return response;
  }

  /** Signs in with `token` through the sign-in page's form, as a person would; resolves the POST's answer. */
  async signInWithToken(token: string, next = '/'): Promise<Response> {
    const page = await this.request(`/auth/sign-in?next=${encodeURIComponent(next)}`);
    const csrf = hiddenValue(await page.text(), 'csrf');
    return this.request('/auth/token', { form: { csrf, token, next }, headers: { origin: this.#origin } });
  }
}

/** The value of the hidden input `name` in `html` (its first one). */
export function hiddenValue(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no hidden "${name}" in the page: ${html.slice(0, 400)}`);
  return m[1]!.replace(/&amp;/g, '&');
}

/**
 * Follows a login link serve gave the MCP client of the static-token user `token`, as that user's browser does:
 * sign-in first, then the link, which leads to the upstream's authorization URL. The login's answer must come back in
 * the same `browser`.
 */
export async function followLoginLink(base: string, link: string, token: string): Promise<{ browser: HttpBrowser; authorizationUrl: string }> {
  const browser = new HttpBrowser(base);
  const path = new URL(link).pathname;
  const signedIn = await browser.signInWithToken(token, path);
  if (signedIn.status !== 303) throw new Error(`sign-in answered ${signedIn.status}`);
  const onward = await browser.request(path);
  const authorizationUrl = onward.headers.get('location');
  if (onward.status !== 303 || !authorizationUrl) throw new Error(`the login link answered ${onward.status}`);
  return { browser, authorizationUrl };
}

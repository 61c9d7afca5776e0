/**
 * The one headless browser of the tests: what a browser does between pages — send the cookies it holds, post a
 * form, store what the answer sets, and tell a redirect from a page. The login drivers (drive-login.ts for the
 * authorization code flow, drive-device.ts for device logins) and the conformance driver walk pages with it.
 */
import { CookieJar } from './cookie-jar.js';
import { readErrorPage } from './html-form.js';

/** A login that could not reach where it was going (an error page, an unexpected response, too many steps). */
export class LoginDriveError extends Error {
  override readonly name = 'LoginDriveError';

  constructor(
    message: string,
    /** The URL whose response stopped the flow. */
    readonly url: string,
    /** Its HTTP status (0 when the flow stopped for another reason). */
    readonly status: number,
    /** The OAuth error shown by the provider's error page, e.g. `invalid_client`, `invalid_redirect_uri`. */
    readonly error?: string,
    /** That page's error description. */
    readonly description?: string,
  ) {
    super(message);
  }
}

/** Options for a {@link HeadlessBrowser}. */
export interface HeadlessBrowserOptions {
  /** Cookies to send and keep. Pass the jar of an earlier login to reuse its provider session. Default: a new jar. */
  jar?: CookieJar;
  /** The `fetch` used for every request. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Extra headers on every request (e.g. `accept`). */
  headers?: Record<string, string>;
  /** Bound on each request, in milliseconds. Default: none. */
  requestTimeoutMs?: number;
}

/** One answer the browser got: a redirect (body discarded) or a page (body read). */
export type BrowserAnswer =
  | { kind: 'redirect'; status: number; url: string; location: string }
  | { kind: 'page'; status: number; url: string; html: string };

/** A cookie jar and a `fetch` that never follows redirects by itself. */
export class HeadlessBrowser {
  /** The cookies held (the provider session after a login). */
  readonly jar: CookieJar;
  readonly #fetch: typeof fetch;
  readonly #options: HeadlessBrowserOptions;

  constructor(options: HeadlessBrowserOptions = {}) {
    this.jar = options.jar ?? new CookieJar();
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#options = options;
  }

  /** GETs `url`, or POSTs `form` to it as a form, with the jar's cookies; stores the cookies the answer sets. */
  async open(url: string, form?: URLSearchParams): Promise<BrowserAnswer> {
    const headers = new Headers(this.#options.headers);
    const cookie = this.jar.header(url);
    if (cookie) headers.set('cookie', cookie);
    if (form) headers.set('content-type', 'application/x-www-form-urlencoded');
    const response = await this.#fetch(url, {
      method: form ? 'POST' : 'GET',
      headers,
      body: form,
      redirect: 'manual',
      ...(this.#options.requestTimeoutMs ? { signal: AbortSignal.timeout(this.#options.requestTimeoutMs) } : {}),
    });
    this.jar.store(url, response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      return { kind: 'redirect', status: response.status, url, location: new URL(location, url).href };
    }
    return { kind: 'page', status: response.status, url, html: await response.text() };
  }
}

/** The {@link LoginDriveError} for a page that is not what the flow expected (the provider's error page shown). */
export function unexpectedPage(what: string, page: { status: number; url: string; html: string }): LoginDriveError {
  const shown = readErrorPage(page.html);
  return new LoginDriveError(
    `${what} stopped at ${page.url}: HTTP ${page.status}${shown.error ? ` ${shown.error}` : ''}${shown.description ? ` (${shown.description})` : ''}`,
    page.url,
    page.status,
    shown.error,
    shown.description,
  );
}

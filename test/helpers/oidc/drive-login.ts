/**
 * Plays the user's part of an authorization-code login against the provider fixture, without a browser: fetch the
 * authorization URL, sign in on oidc-provider's development login form (any username and password), approve (or
 * deny) the consent form, and follow redirects until the provider sends the browser to the client's redirect URI —
 * which, for the bridge, is its loopback callback server.
 */
import { HeadlessBrowser, LoginDriveError, unexpectedPage } from './browser.js';
import type { CookieJar } from './cookie-jar.js';
import { readAbortLink, readForms } from './html-form.js';

/** Options for {@link driveLogin} and {@link driveLoginToCallback}. */
export interface DriveLoginOptions {
  /** Username typed into the login form; it becomes the token's `sub`. Default `alice`. */
  user?: string;
  /** Password typed (any value is accepted). Default `x`. */
  password?: string;
  /** Where to stop: redirects to this URL (origin + path) end the flow. Default: the URL's `redirect_uri`. */
  redirectUri?: string;
  /**
   * Press "Cancel" on this page instead of submitting it, so the provider answers `error=access_denied`:
   * `login` cancels at sign-in, `consent` at the consent form. Default: approve everything.
   */
  deny?: 'login' | 'consent';
  /** Cookies to send and keep. Pass the jar of an earlier login to reuse its provider session. Default: a new jar. */
  jar?: CookieJar;
  /** The `fetch` used for every request. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Upper bound on requests before giving up. Default 20. */
  maxSteps?: number;
}

/** Where the provider sent the browser back to the client. */
export interface LoginRedirect {
  /** The full redirect, e.g. `http://127.0.0.1:5555/callback?code=…&state=…&iss=…`. */
  callbackUrl: string;
  /** Its query parameters (`code`, `state`, `iss`, or `error`, `error_description`, `state`, `iss`). */
  params: URLSearchParams;
  /** Interaction pages shown on the way, in order (`login`, `consent`); empty for a silent login. */
  pages: string[];
  /** The cookie jar, holding the provider session afterwards. */
  jar: CookieJar;
}

/** The completed login: the redirect plus the client's answer to it. */
export interface LoginResult extends LoginRedirect {
  /** HTTP status the callback server answered. */
  status: number;
  /** Body of that answer (the bridge's success or error page). */
  body: string;
}

export { LoginDriveError } from './browser.js';

/**
 * Drives the login to the redirect and returns it WITHOUT calling the client's redirect URI, so a test can
 * inspect or tamper with `code`, `state` and `iss` before delivering it (see {@link deliverCallback}).
 * Throws {@link LoginDriveError} when the provider shows an error page instead of redirecting.
 */
export async function driveLoginToCallback(
  authorizationUrl: string | URL,
  options: DriveLoginOptions = {},
): Promise<LoginRedirect> {
  const browser = new HeadlessBrowser({ ...(options.jar && { jar: options.jar }), ...(options.fetch && { fetch: options.fetch }) });
  const redirectUri = options.redirectUri ?? new URL(authorizationUrl).searchParams.get('redirect_uri');
  if (!redirectUri) throw new TypeError('driveLogin: the authorization URL has no redirect_uri; pass options.redirectUri');
  const stopAt = withoutQuery(redirectUri);
  const pages: string[] = [];

  let url = new URL(authorizationUrl).href;
  let form: URLSearchParams | undefined;
  for (let step = 0; step < (options.maxSteps ?? 20); step++) {
    const answer = await browser.open(url, form);
    form = undefined;
    if (answer.kind === 'redirect') {
      const next = new URL(answer.location);
      if (withoutQuery(next.href) === stopAt) {
        return { callbackUrl: next.href, params: next.searchParams, pages, jar: browser.jar };
      }
      url = next.href;
      continue;
    }

    const page = readForms(answer.html, url).find((f) => f.method === 'post' && f.hidden.prompt !== undefined);
    if (answer.status !== 200 || !page) throw unexpectedPage('login', answer);
    const prompt = page.hidden.prompt ?? '';
    pages.push(prompt);
    if (options.deny === prompt) {
      const abort = readAbortLink(answer.html, url);
      if (!abort) throw new LoginDriveError(`no cancel link on the ${prompt} page`, url, answer.status);
      url = abort;
      continue;
    }
    form = new URLSearchParams(page.hidden);
    if (prompt === 'login') {
      form.set('login', options.user ?? 'alice');
      form.set('password', options.password ?? 'x');
    }
    url = page.action;
  }
  throw new LoginDriveError(`login did not reach ${redirectUri} within ${options.maxSteps ?? 20} requests`, url, 0);
}

/**
 * Delivers a redirect to the client, as the browser would: GET `callbackUrl` (no redirects followed) and return
 * the status and body the client's callback server answered.
 */
export async function deliverCallback(
  callbackUrl: string | URL,
  options: { fetch?: typeof fetch } = {},
): Promise<{ status: number; body: string }> {
  const response = await (options.fetch ?? globalThis.fetch)(callbackUrl, { redirect: 'manual' });
  return { status: response.status, body: await response.text() };
}

/**
 * Drives the whole login: {@link driveLoginToCallback}, then {@link deliverCallback} to the client's redirect URI.
 * With `deny`, the client receives `error=access_denied` instead of a code.
 */
export async function driveLogin(authorizationUrl: string | URL, options: DriveLoginOptions = {}): Promise<LoginResult> {
  const redirect = await driveLoginToCallback(authorizationUrl, options);
  const answer = await deliverCallback(redirect.callbackUrl, options);
  return { ...redirect, ...answer };
}

function withoutQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

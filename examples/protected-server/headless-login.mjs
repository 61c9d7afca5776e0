// Plays the user's part of a browser login with plain `fetch`, for CI and machines without a browser: open the
// authorization URL the bridge printed, fill in the provider's development login form (any username and
// password), approve the consent form, and follow the redirects until the provider sends the "browser" back to
// the bridge's loopback callback — which the bridge then answers with its "Logged in" page.
//
// Only for this example's provider (oidc-provider's devInteractions pages); a real provider needs a real browser.
// Standalone on purpose: like every example, this file imports nothing from test/ (the test harness has its own
// one-of-each helpers for the same jobs), so it can be read, run and copied as it is.

/**
 * Logs in at `authorizationUrl` as `user` and delivers the result to the client's redirect URI.
 * Resolves with the callback's HTTP status and page text; rejects when a page is not what is expected.
 *
 * @param {string} authorizationUrl
 * @param {{ user?: string, password?: string, maxSteps?: number }} [options]
 */
export async function loginHeadlessly(authorizationUrl, { user = 'demo-user', password = 'any password', maxSteps = 15 } = {}) {
  const redirectUri = new URL(authorizationUrl).searchParams.get('redirect_uri');
  if (!redirectUri) throw new Error('the authorization URL has no redirect_uri');
  const isCallback = (url) => `${url.origin}${url.pathname}` === redirectUri.replace(/[?#].*$/, '');
  const cookies = new CookieJar();

  let url = new URL(authorizationUrl);
  let form; // the form to POST to `url`, if any
  for (let step = 0; step < maxSteps; step++) {
    if (isCallback(url)) {
      // The provider's last redirect: deliver it to the bridge, as the browser would.
      const response = await fetch(url, { redirect: 'manual' });
      return { status: response.status, page: pageText(await response.text()) };
    }
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      headers: { ...cookies.header(url), ...(form && { 'content-type': 'application/x-www-form-urlencoded' }) },
      body: form,
      redirect: 'manual',
    });
    cookies.store(url, response);
    form = undefined;

    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url);
      continue;
    }
    // An interaction page: a <form method="post"> with a hidden `prompt` input (`login`, then `consent`).
    const html = await response.text();
    const page = readPostForm(html, url);
    if (response.status !== 200 || !page) {
      throw new Error(`the login stopped at ${url.pathname}: HTTP ${response.status} ${pageText(html).slice(0, 300)}`);
    }
    form = new URLSearchParams(page.fields);
    if (page.fields.prompt === 'login') {
      form.set('login', user);
      form.set('password', password);
    }
    url = page.action;
  }
  throw new Error(`the login did not reach ${redirectUri} within ${maxSteps} requests`);
}

/** The first POST form on the page: its action (resolved) and hidden fields; undefined when there is none. */
function readPostForm(html, pageUrl) {
  for (const [, attributes, inner] of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    if (!/method=["']?post/i.test(attributes)) continue;
    const action = /action=["']([^"']*)["']/i.exec(attributes)?.[1] ?? pageUrl.href;
    const fields = {};
    for (const [input] of inner.matchAll(/<input\b[^>]*>/gi)) {
      const name = /name=["']([^"']*)["']/i.exec(input)?.[1];
      if (name && /type=["']?hidden/i.test(input)) fields[name] = /value=["']([^"']*)["']/i.exec(input)?.[1] ?? '';
    }
    return { action: new URL(decodeEntities(action), pageUrl), fields };
  }
  return undefined;
}

function decodeEntities(text) {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_m, hex) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_m, code) => String.fromCodePoint(Number(code)))
    .replace(/&(amp|lt|gt|quot);/g, (_m, name) => ({ amp: '&', lt: '<', gt: '>', quot: '"' })[name]);
}

/** The visible text of an HTML page, collapsed (for messages). */
function pageText(html) {
  return decodeEntities(html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, '').replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();
}

/** The provider's session cookies, per origin (paths ignored: sending a cookie too often does no harm here). */
class CookieJar {
  #byOrigin = new Map();

  store(url, response) {
    const jar = this.#byOrigin.get(url.origin) ?? new Map();
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const expired = /;\s*max-age=0/i.test(line) || /;\s*expires=Thu, 01 Jan 1970/i.test(line);
      if (expired) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1).trim());
    }
    this.#byOrigin.set(url.origin, jar);
  }

  header(url) {
    const jar = this.#byOrigin.get(url.origin);
    return jar?.size ? { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') } : {};
  }
}

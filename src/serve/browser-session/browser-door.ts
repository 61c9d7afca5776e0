/**
 * The browser's way in to serve's status page when the browser carries no credentials (static-token and JWT users):
 * `/auth/sign-in` (the page; its stylesheet `/status.css` is served to anyone), `/auth/token` (a static token posted by its form), `/auth/oidc` and `/auth/callback`
 * (sign-in with the JWT issuer, oidc-sign-in.ts), `/auth/sign-out`, and the upstream login links `/login/<id>`
 * (login-links.ts). A sign-in gives a signed session cookie (session-cookie.ts) that the front reads for the status
 * page, its forms, the login links and the upstream login callback only — never for the MCP endpoints. The methods
 * offered follow the inbound auth in force (a reload may change them). What the door keeps beyond one request is in
 * the browser state it is given (browser-state/): with a shared one, any instance takes any of these requests;
 * while that state cannot be reached, a page that needs it answers 503.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PAGE_HEADERS, renderPage } from '../../auth/pages.js';
import { ErrorCode, isBridgeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { memoryBrowserState } from '../browser-state/memory-browser-state.js';
import type { BrowserState } from '../browser-state/port.js';
import type { BrowserSignInMethods, OidcSignInConfig } from '../inbound-auth/types.js';
import type { CsrfTokens } from '../status/csrf.js';
import { readForm } from '../status/form-body.js';
import { STATUS_CSS, STATUS_HEADERS } from '../status/render.js';
import { LOGIN_LINK_PREFIX, LoginLinks, MAX_LINKS } from './login-links.js';
import { MAX_PENDING_SIGN_INS, OidcSignIn, SIGN_IN_CALLBACK_PATH } from './oidc-sign-in.js';
import { clientAddress } from '../inbound-auth/client-address.js';
import { MAX_PEERS, PeerAttempts, WINDOW_MS } from './peer-attempts.js';
import { SessionCookies } from './session-cookie.js';
import { SignInCsrf } from './sign-in-csrf.js';
import { renderSignInPage, safeNext } from './sign-in-page.js';

/** The sign-in page's path. */
export const SIGN_IN_PATH = '/auth/sign-in';

/** Options for {@link BrowserDoor}. */
export interface BrowserDoorOptions {
  /** The sign-in methods of the inbound auth in force. */
  signIn: () => BrowserSignInMethods | undefined;
  /** The public origin (`https://mcp.example.com`), known once serve listens. */
  origin: () => string;
  /** The status page's CSRF tokens (sign-out is one of its forms). */
  csrf: CsrfTokens;
  /** Where keys and records are kept (serve's store's, browser-state/); default this process's memory. */
  state?: BrowserState;
  logger: Logger;
  /** For the issuer (tests); default the built-in fetch. */
  fetch?: typeof globalThis.fetch;
  now?: () => number;
}

/** Who a browser request is from, by the front's authenticator (trusted header, or no inbound auth) or a session. */
export type BrowserUser = () => Promise<string | undefined>;

/** See the module comment. */
export class BrowserDoor {
  readonly sessions: SessionCookies;
  readonly links: LoginLinks;
  readonly #o: BrowserDoorOptions;
  readonly #formCsrf: SignInCsrf;
  readonly #attempts: PeerAttempts;
  readonly #state: BrowserState;
  #oidc: { config: OidcSignInConfig; flow: OidcSignIn } | undefined;

  constructor(o: BrowserDoorOptions) {
    this.#o = o;
    const now = o.now ? { now: o.now } : {};
    const state = (this.#state = o.state ?? memoryBrowserState(now));
    const secure = () => o.origin().startsWith('https:');
    this.sessions = new SessionCookies({ secure, state, ...now });
    this.links = new LoginLinks({ origin: o.origin, records: state.records('login-link', MAX_LINKS), ...now });
    this.#formCsrf = new SignInCsrf({ secure, origin: o.origin, key: state.macKey('sign-in-form') });
    const counts = state.failures('sign-in', { windowMs: WINDOW_MS, maxKeys: MAX_PEERS });
    this.#attempts = new PeerAttempts({ counts, logger: o.logger, what: 'a sign-in with a token that is not one of this server\'s', ...now });
  }

  /**
   * The user of `req`'s browser session, if it has one that the inbound auth in force still stands behind: a session
   * from a token while its user has a token, a session from the issuer while browsers may sign in with it (a reload
   * that removes a user's token ends their browser sessions too).
   * @throws BridgeError `STORE` when a shared browser state cannot be reached ({@link answerUnavailable} answers it)
   */
  async identify(req: IncomingMessage): Promise<string | undefined> {
    return (await this.#current(req))?.user;
  }

  /** Whether `req` has a browser session in force (false when that cannot be told now). */
  async hasSession(req: IncomingMessage): Promise<boolean> {
    return (await this.#current(req).catch(() => undefined)) !== undefined;
  }

  async #current(req: IncomingMessage) {
    const session = await this.sessions.read(req);
    if (!session) return undefined;
    const m = this.#o.signIn();
    const stands = session.method === 'token' ? m?.tokenHolders?.has(session.user) === true : m?.oidc !== undefined;
    return stands ? session : undefined;
  }

  /** Whether a browser can sign in here (static tokens, or a browser client at the JWT issuer). */
  canSignIn(): boolean {
    const m = this.#o.signIn();
    return m?.tokenUser !== undefined || m?.oidc !== undefined;
  }

  /** Sends the browser to the sign-in page, to come back to `next` (a path on this server). */
  sendToSignIn(res: ServerResponse, next: string): void {
    res.writeHead(303, { location: `${SIGN_IN_PATH}?next=${encodeURIComponent(safeNext(next))}`, 'cache-control': 'no-store' }).end();
  }

  /**
   * Answers `res` when `error` says the shared browser state cannot be reached now: a 503 page (the store logs the
   * outage once). Resolves whether it did; any other error is the caller's.
   */
  answerUnavailable(res: ServerResponse, error: unknown): boolean {
    if (!isBridgeError(error, ErrorCode.Store) || res.headersSent) return false;
    res.writeHead(503, { ...PAGE_HEADERS, 'retry-after': '5' }).end(renderPage({ ok: false, title: 'Sign-in unavailable', lines: ['This server cannot reach its shared sign-in state now.', 'Try again in a moment.'] }));
    return true;
  }

  /** Answers `req` when `url`'s path is one of the door's; resolves whether it did. */
  async route(req: IncomingMessage, res: ServerResponse, url: URL, who: BrowserUser): Promise<boolean> {
    try {
      return await this.#route(req, res, url, who);
    } catch (error) {
      if (this.answerUnavailable(res, error)) return true;
      throw error;
    }
  }

  async #route(req: IncomingMessage, res: ServerResponse, url: URL, who: BrowserUser): Promise<boolean> {
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/status.css' && method === 'GET') {
      // The pages' own stylesheet, no secret in it: the sign-in page needs it before anyone is signed in.
      res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }).end(STATUS_CSS);
      return true;
    }
    if (path.startsWith(LOGIN_LINK_PREFIX) && (method === 'GET' || method === 'HEAD')) return await this.#followLink(res, path, who), true;
    if (path === SIGN_IN_PATH && (method === 'GET' || method === 'HEAD')) return this.#signInPage(req, res, 200, safeNext(url.searchParams.get('next'))), true;
    if (path === '/auth/token' && method === 'POST') return await this.#tokenSignIn(req, res), true;
    if (path === '/auth/oidc' && method === 'GET') return await this.#oidcStart(req, res, safeNext(url.searchParams.get('next'))), true;
    if (path === SIGN_IN_CALLBACK_PATH && method === 'GET') return await this.#oidcFinish(req, res, url.searchParams), true;
    if (path === '/auth/sign-out' && method === 'POST') return await this.#signOut(req, res), true;
    if (path.startsWith('/auth/')) return res.writeHead(405, { ...STATUS_HEADERS }).end(), true;
    return false;
  }

  #signInPage(req: IncomingMessage, res: ServerResponse, status: number, next: string, notice?: string): void {
    const m = this.#o.signIn();
    const headers: Record<string, string | string[]> = { ...STATUS_HEADERS };
    let tokenForm: { csrf: string } | undefined;
    if (m?.tokenUser) {
      const issued = this.#formCsrf.issue(req);
      tokenForm = { csrf: issued.csrf };
      if (issued.cookie) headers['set-cookie'] = issued.cookie;
    }
    const issuer = m?.oidc ? { label: labelOf(m.oidc.issuer), href: `/auth/oidc?next=${encodeURIComponent(next)}` } : undefined;
    res.writeHead(status, headers).end(renderSignInPage({ next, ...(tokenForm ? { tokenForm } : {}), ...(issuer ? { issuer } : {}), ...(notice ? { notice } : {}) }));
  }

  async #tokenSignIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const methods = this.#o.signIn();
    const tokenUser = methods?.tokenUser;
    const peer = clientAddress(req, methods?.proxies);
    const form = await readForm(req);
    const next = safeNext(form?.get('next'));
    if (!tokenUser) return this.#signInPage(req, res, 404, next, 'This server takes no tokens from a browser.');
    // Shared counts that cannot be read reject here (STORE): route() answers 503 and no token is checked.
    if (await this.#attempts.blocked(peer)) return this.#signInPage(req, res, 429, next, 'Too many failed sign-ins from your address: wait a minute, then try again.');
    if (!form || !this.#formCsrf.accepts(req, form.get('csrf'))) {
      this.#o.logger.warn('status page: refused a sign-in form that did not come from the sign-in page (no CSRF token, or another origin)');
      return this.#signInPage(req, res, 403, next, 'That sign-in did not come from this page, so nothing was done. Sign in below.');
    }
    const user = tokenUser(form.get('token') ?? '');
    if (user === undefined) {
      await this.#attempts.fail(peer);
      return this.#signInPage(req, res, 401, next, 'That token is not one this server accepts.');
    }
    this.#o.logger.info(`status page: ${user} signed in with their token`);
    res.writeHead(303, { location: next, 'set-cookie': this.sessions.issue(user, 'token'), 'cache-control': 'no-store' }).end();
  }

  async #oidcStart(req: IncomingMessage, res: ServerResponse, next: string): Promise<void> {
    const flow = this.#oidcFlow();
    if (!flow) return this.#signInPage(req, res, 404, next, 'This server offers no sign-in with an issuer.');
    let started: { location: string; cookie: string };
    try {
      started = await flow.start(next);
    } catch (error) {
      if (isBridgeError(error, ErrorCode.Store)) throw error;
      return this.#signInPage(req, res, 503, next, 'The issuer cannot be reached now: try again in a moment.');
    }
    res.writeHead(303, { location: started.location, 'set-cookie': started.cookie, 'cache-control': 'no-store' }).end();
  }

  async #oidcFinish(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const flow = this.#oidcFlow();
    if (!flow) return void res.writeHead(404, PAGE_HEADERS).end(renderPage({ ok: false, title: 'No sign-in here', lines: ['This server offers no sign-in with an issuer.'] }));
    const { outcome, clear } = await flow.finish(req, query);
    if (!outcome.ok) return void res.writeHead(outcome.status, { ...PAGE_HEADERS, 'set-cookie': clear }).end(renderPage({ ok: false, title: outcome.title, lines: outcome.lines }));
    this.#o.logger.info(`status page: ${outcome.user} signed in with ${flow.issuer}`);
    res.writeHead(303, { location: outcome.next, 'set-cookie': [clear, this.sessions.issue(outcome.user, 'oidc')], 'cache-control': 'no-store' }).end();
  }

  async #signOut(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const session = await this.#current(req);
    const form = await readForm(req);
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    if (session && (!form || !this.#o.csrf.accepts(session.user, form.get('csrf'), origin))) {
      this.#o.logger.warn('status page: refused a sign-out form without the user\'s token or from another origin');
      return void res.writeHead(403, PAGE_HEADERS).end(renderPage({ ok: false, title: 'Not signed out', lines: ['That request did not come from the status page, so nothing was done.'] }));
    }
    if (session) this.#o.logger.info(`status page: ${session.user} signed out`);
    res.writeHead(303, { location: SIGN_IN_PATH, 'set-cookie': await this.sessions.end(session), 'cache-control': 'no-store' }).end();
  }

  async #followLink(res: ServerResponse, path: string, who: BrowserUser): Promise<void> {
    const login = await this.links.find(path.slice(LOGIN_LINK_PREFIX.length));
    if (!login) {
      return void res.writeHead(410, PAGE_HEADERS).end(renderPage({ ok: false, title: 'No login here', lines: ['This login link has expired or was never made here.', 'Ask your MCP client again, or use the status page.'] }));
    }
    const user = await who();
    if (user === undefined && this.canSignIn()) return this.sendToSignIn(res, path);
    if (user !== undefined && user !== login.owner) {
      this.#o.logger.warn('status page: refused a login link followed by another user than the one it was made for');
      return void res.writeHead(403, PAGE_HEADERS).end(renderPage({ ok: false, title: 'Not your login', lines: ['This login link was made for another user.', 'Start your own login from your MCP client or the status page.'] }));
    }
    // Without any way to tell browsers apart (no sign-in offered), the login's state is the capability, as before.
    res.writeHead(303, { location: login.url, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end();
  }

  #oidcFlow(): OidcSignIn | undefined {
    const config = this.#o.signIn()?.oidc;
    if (!config) return undefined;
    if (this.#oidc?.config !== config) {
      const pending = this.#state.records('oidc-pending', MAX_PENDING_SIGN_INS);
      const flow = new OidcSignIn({ config, origin: this.#o.origin, secure: () => this.#o.origin().startsWith('https:'), logger: this.#o.logger, pending, ...(this.#o.fetch ? { fetch: this.#o.fetch } : {}), ...(this.#o.now ? { now: this.#o.now } : {}) });
      this.#oidc = { config, flow };
    }
    return this.#oidc.flow;
  }
}

/** An issuer as a person reads it: its host. */
function labelOf(issuer: string): string {
  try {
    return new URL(issuer).host;
  } catch {
    return issuer;
  }
}

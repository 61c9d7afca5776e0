/**
 * Signing a browser in with the issuer serve already trusts for JWT access tokens, as an OpenID Connect client of it
 * (OpenID Connect Core §3.1; OAuth 2.1 §4.1 with PKCE S256): `start` sends the browser to the issuer with a fresh
 * `state`, `nonce` and code challenge, kept in the browser state (browser-state/: this process's memory, or sealed in
 * Redis so the issuer's answer may reach any instance; bounded, ten minutes, taken once) and bound to the browser by
 * a short-lived cookie; `finish` takes the issuer's answer at `<public URL>/auth/callback`, checks the cookie, the
 * response (oauth4webapi: `state`, `iss` per RFC 9207, `error`), exchanges the code, validates the ID token (issuer,
 * audience, expiry, nonce) and names the user from the configured claim — of the ID token, else of the userinfo
 * answer (OpenID Connect Core §5.3).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  AuthorizationResponseError,
  authorizationCodeGrantRequest,
  calculatePKCECodeChallenge,
  ClientSecretBasic,
  generateRandomCodeVerifier,
  generateRandomNonce,
  generateRandomState,
  getValidatedIdTokenClaims,
  None,
  processAuthorizationCodeResponse,
  processUserInfoResponse,
  userInfoRequest,
  validateAuthResponse,
  type AuthorizationServer,
  type Client,
} from 'oauth4webapi';
import { discoverAuthorizationServer } from '../../auth/discovery.js';
import { oauthOptions, type OAuthHttp } from '../../auth/oauth-http.js';
import { checkServerUrl } from '../../auth/url-policy.js';
import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { SharedRecords } from '../browser-state/port.js';
import type { OidcSignInConfig } from '../inbound-auth/types.js';
import { clearCookie, cookieName, cookieOf, setCookie } from './cookies.js';

/** Where the issuer sends the browser back. */
export const SIGN_IN_CALLBACK_PATH = '/auth/callback';
/** How long a started sign-in may take. */
const PENDING_MS = 10 * 60 * 1000;
/** Bound on sign-ins started and not finished. */
export const MAX_PENDING_SIGN_INS = 1000;
const HTTP_TIMEOUT_MS = 10_000;
const PROFILE_CLAIMS = new Set(['name', 'preferred_username', 'nickname', 'given_name', 'family_name']);

/** The outcome of {@link OidcSignIn.finish}. */
export type OidcOutcome = { ok: true; user: string; next: string } | { ok: false; status: number; title: string; lines: string[] };

/** Options for {@link OidcSignIn}. */
export interface OidcSignInOptions {
  config: OidcSignInConfig;
  /** The public origin (the redirect URI is its `/auth/callback`). */
  origin: () => string;
  secure: () => boolean;
  logger: Logger;
  /** Where started sign-ins wait for the issuer's answer (at most {@link MAX_PENDING_SIGN_INS}). */
  pending: SharedRecords;
  /** For the issuer's metadata, token and userinfo endpoints; default the built-in fetch. */
  fetch?: OAuthHttp['fetch'];
  now?: () => number;
}

/** A started sign-in as it is kept (JSON). */
interface Pending {
  verifier: string;
  nonce: string;
  /** SHA-256 of the browser's binding cookie, base64url. */
  binding: string;
  next: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** See the module comment. */
export class OidcSignIn {
  readonly #o: OidcSignInOptions;
  readonly #http: OAuthHttp;
  readonly #client: Client;
  #as: Promise<AuthorizationServer> | undefined;

  constructor(o: OidcSignInOptions) {
    this.#o = o;
    this.#http = { fetch: o.fetch ?? globalThis.fetch, policy: { allowHttp: o.config.allowHttp }, timeoutMs: HTTP_TIMEOUT_MS };
    this.#client = { client_id: o.config.clientId };
  }

  /** The issuer, as the sign-in page names it. */
  get issuer(): string {
    return this.#o.config.issuer;
  }

  get #cookie(): string {
    return cookieName('mab-oidc', this.#o.secure());
  }

  get #redirectUri(): string {
    return `${this.#o.origin()}${SIGN_IN_CALLBACK_PATH}`;
  }

  /**
   * Starts a sign-in that returns to `next`: the issuer's authorization URL and the `Set-Cookie` binding it to this
   * browser.
   * @throws BridgeError when the issuer's metadata cannot be read; `STORE` when the sign-in cannot be kept
   */
  async start(next: string): Promise<{ location: string; cookie: string }> {
    const as = await this.#authorizationServer();
    const verifier = generateRandomCodeVerifier();
    const state = generateRandomState();
    const nonce = generateRandomNonce();
    const binding = randomBytes(24).toString('base64url');
    const pending: Pending = { verifier, nonce, binding: digest(binding).toString('base64url'), next, expiresAt: this.#now() + PENDING_MS };
    await this.#o.pending.put(state, JSON.stringify(pending), PENDING_MS);
    const url = checkServerUrl(as.authorization_endpoint, 'authorization_endpoint', this.#http.policy);
    const p = url.searchParams;
    p.set('response_type', 'code');
    p.set('client_id', this.#o.config.clientId);
    p.set('redirect_uri', this.#redirectUri);
    p.set('scope', this.#scope(as));
    p.set('state', state);
    p.set('nonce', nonce);
    p.set('code_challenge', await calculatePKCECodeChallenge(verifier));
    p.set('code_challenge_method', 'S256');
    return { location: url.href, cookie: setCookie(this.#cookie, binding, { maxAgeSeconds: PENDING_MS / 1000, secure: this.#o.secure() }) };
  }

  /**
   * Finishes a sign-in from the issuer's answer (`query`) in `req`; `clear` is the `Set-Cookie` that drops the binding.
   * @throws BridgeError `STORE` when the started sign-in cannot be taken (a shared store away)
   */
  async finish(req: IncomingMessage, query: URLSearchParams): Promise<{ outcome: OidcOutcome; clear: string }> {
    const clear = clearCookie(this.#cookie, this.#o.secure());
    return { outcome: await this.#finish(req, query), clear };
  }

  async #finish(req: IncomingMessage, query: URLSearchParams): Promise<OidcOutcome> {
    const log = this.#o.logger;
    const state = query.get('state');
    // Taken once, whatever follows: of two answers with one `state`, on any instances, one at most goes on.
    const pending = state === null || state.length > 512 ? undefined : parsePending(await this.#o.pending.take(state));
    if (!pending || pending.expiresAt <= this.#now()) {
      return refused(400, 'Sign-in expired', ['This sign-in has expired or was already used.', 'Go back to the status page and sign in again.']);
    }
    const binding = cookieOf(req, this.#cookie);
    const bound = Buffer.from(pending.binding, 'base64url');
    if (binding === undefined || bound.length !== 32 || !timingSafeEqual(digest(binding), bound)) {
      log.warn('status page: refused an issuer sign-in answer that reached another browser than the one that started it');
      return refused(403, 'Sign-in refused', ['This sign-in was started in another browser.', 'Sign in again from this browser.']);
    }
    let as: AuthorizationServer;
    try {
      as = await this.#authorizationServer();
    } catch {
      return refused(503, 'Sign-in failed', ['The issuer cannot be reached now.', 'Try again in a moment.']);
    }
    const auth = this.#o.config.clientSecret !== undefined ? ClientSecretBasic(this.#o.config.clientSecret) : None();
    let user: string | undefined;
    try {
      const params = validateAuthResponse(as, this.#client, query, state!);
      log.secret(params.get('code') ?? undefined);
      const response = await authorizationCodeGrantRequest(as, this.#client, auth, params, this.#redirectUri, pending.verifier, oauthOptions(this.#http, new URL(as.token_endpoint!)));
      const tokens = await processAuthorizationCodeResponse(as, this.#client, response, { expectedNonce: pending.nonce, requireIdToken: true });
      log.secret(tokens.access_token);
      log.secret(tokens.id_token);
      log.secret(tokens.refresh_token);
      const claims = getValidatedIdTokenClaims(tokens)!;
      const claim = this.#o.config.userClaim;
      user = nonEmpty(claims[claim]);
      if (user === undefined && as.userinfo_endpoint !== undefined) {
        const answer = await userInfoRequest(as, this.#client, tokens.access_token, oauthOptions(this.#http, new URL(as.userinfo_endpoint)));
        user = nonEmpty((await processUserInfoResponse(as, this.#client, claims.sub, answer))[claim]);
      }
      if (user === undefined) {
        log.warn(`status page: an issuer sign-in named no user: neither the ID token nor userinfo has the "${claim}" claim`);
        return refused(403, 'Sign-in refused', [`Your account at the issuer has no "${claim}" to name you by.`, 'Ask the operator of this server.']);
      }
    } catch (error) {
      if (error instanceof AuthorizationResponseError) {
        return refused(400, error.error === 'access_denied' ? 'Sign-in declined' : 'Sign-in failed', [`The issuer answered: ${error.error}.`, 'Go back to the status page and try again.']);
      }
      log.warn(`status page: an issuer sign-in failed: ${describeError(error)}`);
      return refused(400, 'Sign-in failed', ['The answer of the issuer could not be used.', 'Go back to the status page and try again.']);
    }
    return { ok: true, user, next: pending.next };
  }

  /** `openid`, and the scope that carries the user claim when it is a profile or email claim the issuer offers. */
  #scope(as: AuthorizationServer): string {
    const claim = this.#o.config.userClaim;
    const extra = claim === 'email' ? 'email' : PROFILE_CLAIMS.has(claim) ? 'profile' : undefined;
    const offered = as.scopes_supported;
    return extra !== undefined && (offered === undefined || offered.includes(extra)) ? `openid ${extra}` : 'openid';
  }

  #authorizationServer(): Promise<AuthorizationServer> {
    this.#as ??= discoverAuthorizationServer({ issuer: this.#o.config.issuer, http: this.#http }).catch((error: unknown) => {
      this.#as = undefined;
      this.#o.logger.error(`status page: cannot read the metadata of the issuer ${this.#o.config.issuer} for browser sign-in: ${describeError(error)}`);
      throw error;
    });
    return this.#as;
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }
}

function refused(status: number, title: string, lines: string[]): OidcOutcome {
  return { ok: false, status, title, lines };
}

/** A kept sign-in read back, or undefined when it is not one. */
function parsePending(text: string | undefined): Pending | undefined {
  if (text === undefined) return undefined;
  try {
    const p = JSON.parse(text) as Partial<Pending>;
    const ok = typeof p.verifier === 'string' && typeof p.nonce === 'string' && typeof p.binding === 'string' && typeof p.next === 'string' && typeof p.expiresAt === 'number';
    return ok ? (p as Pending) : undefined;
  } catch {
    return undefined;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

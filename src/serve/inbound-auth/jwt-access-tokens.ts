/**
 * JWT access tokens (RFC 9068) from the one issuer the operator names, checked as a resource server: the issuer's
 * metadata found by RFC 8414, then OpenID Connect discovery (src/auth/discovery.ts, the client side's own), then
 * oauth4webapi's `validateJwtAccessToken` — `typ` `at+jwt`, `iss`, `aud` = serve's resource, `exp` (30 s leeway),
 * the signature against the issuer's JWKS (cached; refetched on an unknown `kid` at most once a minute, so keys
 * can rotate; concurrent checks share one fetch) — then the required scopes, and the user from the configured claim. Outcomes, never exceptions, for bad tokens.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  allowInsecureRequests,
  clockSkew,
  customFetch,
  JWT_CLAIM_COMPARISON,
  JWT_TIMESTAMP_CHECK,
  KEY_SELECTION,
  validateJwtAccessToken,
  type AuthorizationServer,
  type JWTAccessTokenClaims,
} from 'oauth4webapi';
import { discoverAuthorizationServer } from '../../auth/discovery.js';
import { sizeLimitedFetch, type OAuthHttp } from '../../auth/oauth-http.js';
import { allowsInsecure, checkServerUrl } from '../../auth/url-policy.js';
import { BridgeError, describeError, ErrorCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { JwtAuthConfig } from './config.js';

/** How long a failed discovery is remembered before the next request tries again, seconds. */
export const DISCOVERY_RETRY_SECONDS = 10;
const HTTP_TIMEOUT_MS = 10_000;

/** The outcome of {@link JwtAccessTokens.check}. */
export type JwtOutcome =
  | { ok: true; user: string; scopes: string[] }
  /** Not a valid token of the issuer for this resource; `description` is fixed text, safe to send. */
  | { ok: false; kind: 'invalid'; description: string }
  | { ok: false; kind: 'scope'; required: readonly string[] }
  /** The issuer's metadata or keys cannot be read now. */
  | { ok: false; kind: 'unavailable'; retryAfterSeconds: number };

/** Options for {@link JwtAccessTokens}. */
export interface JwtAccessTokensOptions {
  config: JwtAuthConfig;
  /** The `aud` tokens must carry. */
  audience: string;
  logger: Logger;
  /** For discovery and keys; default the built-in fetch. */
  fetch?: FetchLike | undefined;
  /** The clock, ms since the epoch; default `Date.now`. */
  now?: (() => number) | undefined;
}

/** Checks JWT access tokens; see the module comment. */
export class JwtAccessTokens {
  readonly #o: JwtAccessTokensOptions;
  readonly #http: OAuthHttp;
  readonly #required: readonly string[];
  readonly #claim: string;
  #as: Promise<AuthorizationServer> | undefined;
  #failedAt = 0;
  /** The key set being fetched: requests that need it at the same moment share one fetch. */
  #keysInFlight: Promise<Response> | undefined;

  constructor(o: JwtAccessTokensOptions) {
    this.#o = o;
    this.#http = { fetch: o.fetch ?? globalThis.fetch, policy: { allowHttp: o.config.allowHttp === true }, timeoutMs: HTTP_TIMEOUT_MS };
    this.#required = o.config.requiredScopes ?? [];
    this.#claim = o.config.userClaim ?? 'sub';
  }

  /** Starts discovery now (a problem is logged at start rather than at the first request); never rejects. */
  warmUp(): void {
    void this.#authorizationServer().catch(() => undefined);
  }

  /** Checks `token`. */
  async check(token: string): Promise<JwtOutcome> {
    let as: AuthorizationServer;
    try {
      as = await this.#authorizationServer();
    } catch {
      return { ok: false, kind: 'unavailable', retryAfterSeconds: DISCOVERY_RETRY_SECONDS };
    }
    let keysUnreadable = false;
    // The key set, when oauth4webapi needs it (its request options are replaced by ours: same GET, our timeout).
    const fetchKeys: FetchLike = async (url) => {
      try {
        const response = (await this.#fetchKeys(String(url))).clone();
        if (response.status !== 200) keysUnreadable = true;
        return response;
      } catch (error) {
        keysUnreadable = true;
        throw error;
      }
    };
    const now = this.#o.now?.() ?? Date.now();
    let claims: JWTAccessTokenClaims;
    try {
      // Only its Authorization header is read (DPoP-bound tokens, which would need the URL, are not accepted).
      const request = new Request('http://serve.invalid/mcp', { headers: { authorization: `Bearer ${token}` } });
      claims = await validateJwtAccessToken(as, request, this.#o.audience, {
        [customFetch]: fetchKeys as never,
        [allowInsecureRequests]: allowsInsecure(new URL(as.jwks_uri!), this.#http.policy),
        [clockSkew]: Math.round((now - Date.now()) / 1000),
      });
    } catch (error) {
      if (keysUnreadable) {
        this.#o.logger.warn(`inbound auth: cannot read the signing keys of ${as.issuer}: ${describeError(error)}`);
        return { ok: false, kind: 'unavailable', retryAfterSeconds: DISCOVERY_RETRY_SECONDS };
      }
      return { ok: false, kind: 'invalid', description: whyInvalid(error) };
    }
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter((s) => s !== '') : [];
    if (!this.#required.every((scope) => scopes.includes(scope))) return { ok: false, kind: 'scope', required: this.#required };
    const user = claims[this.#claim];
    if (typeof user !== 'string' || user === '') {
      return { ok: false, kind: 'invalid', description: `the token has no "${this.#claim}" claim to name its user` };
    }
    return { ok: true, user, scopes };
  }

  /** GETs the key set (RFC 7517 §5), once for all the checks that need it at the same moment; body size bounded. */
  #fetchKeys(url: string): Promise<Response> {
    this.#keysInFlight ??= sizeLimitedFetch(this.#http.fetch)(url, {
      method: 'GET',
      headers: { accept: 'application/json, application/jwk-set+json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    }).finally(() => {
      this.#keysInFlight = undefined;
    });
    return this.#keysInFlight;
  }

  /** The issuer's metadata, read once; a failure is kept {@link DISCOVERY_RETRY_SECONDS} before trying again. */
  #authorizationServer(): Promise<AuthorizationServer> {
    if (this.#as === undefined && Date.now() - this.#failedAt >= DISCOVERY_RETRY_SECONDS * 1000) {
      this.#as = this.#discover().catch((error: unknown) => {
        this.#failedAt = Date.now();
        this.#as = undefined;
        this.#o.logger.error(`inbound auth: cannot read the metadata of the issuer ${this.#o.config.issuer}: ${describeError(error)}`);
        throw error;
      });
    }
    return this.#as ?? Promise.reject(new BridgeError(ErrorCode.Auth, `the issuer ${this.#o.config.issuer} could not be read a moment ago`));
  }

  async #discover(): Promise<AuthorizationServer> {
    const { config } = this.#o;
    const discovered = await discoverAuthorizationServer({ issuer: config.issuer, http: this.#http, checkPkce: false });
    const jwksUri = config.jwksUri ?? discovered.jwks_uri;
    if (jwksUri === undefined) {
      throw new BridgeError(ErrorCode.Config, `the issuer ${config.issuer} publishes no jwks_uri, so its tokens cannot be checked`, {
        hint: 'name the signing keys\' URL with "jwksUri" (--jwt-jwks-uri)',
      });
    }
    checkServerUrl(jwksUri, 'jwks_uri', this.#http.policy);
    this.#o.logger.info(`inbound auth: accepting JWT access tokens of ${discovered.issuer} for ${this.#o.audience}`);
    // One object for the life of the process: oauth4webapi caches the keys per metadata object.
    return { ...discovered, jwks_uri: jwksUri };
  }
}

/** Why a token was refused, in fixed words (never the token, never a claim's value). */
function whyInvalid(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const claim = ((error as { cause?: { claim?: unknown } }).cause ?? {}).claim;
  if (code === JWT_TIMESTAMP_CHECK) return claim === 'exp' ? 'the token has expired' : 'the token is not valid at this time';
  if (code === JWT_CLAIM_COMPARISON && claim === 'aud') return 'the token is for another audience than this server';
  if (code === JWT_CLAIM_COMPARISON && claim === 'iss') return 'the token is from another issuer than the one this server trusts';
  if (code === KEY_SELECTION) return 'the token is signed with a key the issuer does not publish';
  return 'the token is not a valid access token of the issuer this server trusts';
}

/**
 * Who is calling `serve` (issue 11, "inbound auth"): the contract between the HTTP front, which asks for every
 * request, and the authenticators, which answer from a static token, a validated JWT access token or a trusted
 * identity header. The front never reads credentials itself, and nothing else decides who a request is from.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PeerMatcher } from './peers.js';

/** The user a request is from, as the configured method established it. */
export interface InboundIdentity {
  /** A stable user name: the token's user, the JWT's user claim, or the trusted header's value. */
  user: string;
  /** How it was established; `none` only when serve runs without inbound auth (loopback, or the loud opt-out). */
  method: 'token' | 'jwt' | 'header' | 'none';
  /** Scopes granted (JWT), for the front's own checks and logs. */
  scopes?: readonly string[];
}

/** A request that does not say who it is from, or says it wrongly: what to answer (RFC 6750 §3, RFC 9728 §5.1). */
export interface InboundRefusal {
  /** 401 or 403 (RFC 6750 §3.1); 503 when credentials cannot be checked now (the issuer is unreachable), with `Retry-After`. */
  status: 401 | 403 | 503;
  /** Headers of the answer, `WWW-Authenticate` among them. */
  headers: Record<string, string>;
  /** `error` (RFC 6750 §3.1 code) and a description for humans, never a secret. */
  body: { error: string; error_description: string };
}

/** The outcome of {@link InboundAuthenticator.authenticate}. */
export type InboundOutcome = { ok: true; identity: InboundIdentity } | ({ ok: false } & InboundRefusal);

/** Decides who each request to `serve` is from. */
export interface InboundAuthenticator {
  /** Whether any method is configured (`false`: every request is `{ user: 'local', method: 'none' }`). */
  readonly required: boolean;
  /** Authenticates one request from its headers and peer address; never throws for bad credentials. */
  authenticate(req: IncomingMessage): Promise<InboundOutcome>;
  /**
   * Serves the authenticators' own documents (RFC 9728 protected-resource metadata) when `path` is one of them:
   * returns true when it answered.
   */
  route(req: IncomingMessage, res: ServerResponse, path: string): boolean;
  /** How a person in a browser may sign in to the status page with the methods configured (browser-session/). */
  readonly signIn?: BrowserSignInMethods;
}

/** OpenID Connect sign-in of browsers with the JWT issuer, as a client of it (authorization code + PKCE). */
export interface OidcSignInConfig {
  issuer: string;
  /** The client serve is at the issuer (`--browser-client-id`), registered with `<public URL>/auth/callback`. */
  clientId: string;
  /** Its secret, for a confidential client; a secret. */
  clientSecret?: string | undefined;
  /** The claim that names the user, as for access tokens (`--jwt-user-claim`); default `sub`. */
  userClaim: string;
  /** Allow an `http:` issuer that is not on this machine. */
  allowHttp: boolean;
}

/** What a browser may sign in with; each absent when its method is not configured. */
export interface BrowserSignInMethods {
  /** The user a static token names, by the static-token authenticator's own constant-time comparison. */
  tokenUser?: (token: string) => string | undefined;
  /** The users that have a static token now (a browser session from a token is honoured only while its user does). */
  tokenHolders?: ReadonlySet<string>;
  oidc?: OidcSignInConfig;
  /**
   * The proxies whose `X-Forwarded-For` names a browser's address for the sign-in limit (client-address.ts): the
   * trusted header's peers; absent without a trusted header (then the limit counts TCP peers).
   */
  proxies?: PeerMatcher;
}

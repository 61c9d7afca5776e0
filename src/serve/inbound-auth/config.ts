/**
 * What the operator configures for inbound auth (`"serve": { "auth": … }` in the config file, or the `serve` flags):
 * plain data, read and checked where it enters (src/config/file/serve-section.ts, ./from-flags.ts) and turned into an
 * {@link InboundAuthenticator} by `createInboundAuth`. Types only: the config loader imports them without loading
 * serve code.
 */

/** One static bearer token and the user it names. */
export interface StaticTokenConfig {
  /** The user the token stands for. */
  user: string;
  /** The token itself, at least {@link MIN_STATIC_TOKEN_LENGTH} characters; a secret. */
  token: string;
}

/** JWT access tokens (RFC 9068) from one issuer the operator names. */
export interface JwtAuthConfig {
  /** The authorization server's issuer identifier; its metadata is read by RFC 8414, then OpenID Connect discovery. */
  issuer: string;
  /** The `aud` tokens must carry; default this server's resource, the public URL's `/mcp`. */
  audience?: string | undefined;
  /** The claim that names the user (`sub`, `email`, `preferred_username`…); default `sub`. */
  userClaim?: string | undefined;
  /** Scopes every token must carry; default none. Missing ones are answered 403 `insufficient_scope`. */
  requiredScopes?: readonly string[] | undefined;
  /** Where the signing keys are, instead of the metadata's `jwks_uri`. */
  jwksUri?: string | undefined;
  /** Allow an `http:` issuer that is not on this machine (loopback `http:` is always allowed). Default false. */
  allowHttp?: boolean | undefined;
  /**
   * The client id serve has at the issuer for signing people in to the status page in a browser (OpenID Connect,
   * redirect URI `<public URL>/auth/callback`); without it, JWT users cannot use the status page.
   */
  browserClientId?: string | undefined;
  /** That client's secret, when it is a confidential client; a secret. */
  browserClientSecret?: string | undefined;
}

/** A header that names the user, set by a proxy in front of serve, honoured only from the listed peers. */
export interface TrustedHeaderConfig {
  /** The header's name, e.g. `X-Forwarded-User`. */
  name: string;
  /** The peers (TCP addresses) allowed to set it: addresses and CIDR ranges, IPv4 or IPv6. */
  peers: readonly string[];
}

/** Every inbound auth method configured; none at all means serve runs without inbound auth. */
export interface InboundAuthConfig {
  tokens?: readonly StaticTokenConfig[] | undefined;
  jwt?: JwtAuthConfig | undefined;
  trustedHeader?: TrustedHeaderConfig | undefined;
  /**
   * Load balancers and proxies in front of serve whose `X-Forwarded-For` names the client's address (for limits per
   * address: the sign-in form's failures). They name no user: unlike the trusted header's peers, listing one
   * authenticates nobody. Addresses and CIDR ranges, IPv4 or IPv6.
   */
  trustedProxies?: readonly string[] | undefined;
}

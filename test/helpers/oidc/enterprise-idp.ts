/**
 * Cross-app access (SEP-990) with real parts: a second oidc-provider acting as the enterprise identity provider,
 * and the grant that lets the MCP server's authorization server (the usual provider fixture) accept what it issues.
 *
 * - The IdP ({@link startEnterpriseIdp}) signs users in like any OpenID provider (its own signing key) and adds
 *   RFC 8693 token exchange (`provider.registerGrantType`): a valid ID token it issued to the requesting client is
 *   exchanged for an Identity Assertion JWT Authorization Grant (ID-JAG, `typ: oauth-id-jag+jwt`) for the requested
 *   `audience` (an authorization server the IdP trusts), naming the user (`sub`), the client registered for the app
 *   there (`client_id`), the `resource` and `scope`.
 * - {@link acceptIdJags} is the `setup` of the MCP authorization server: the RFC 7523 JWT bearer grant, which
 *   verifies an ID-JAG against the IdP's JWKS (issuer, audience = itself, `typ`, expiry, `client_id` = the
 *   authenticated client) and issues the user's JWT access token for the resource, like its other grants.
 *
 * Both record what they saw (parameters and outcome, never a token).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createRemoteJWKSet, importJWK, jwtVerify, SignJWT } from 'jose';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import { driveLoginToCallback } from './drive-login.js';
import { startOidcProvider, type OidcProvider, type OidcProviderOptions, type ProviderSetupContext } from './provider.js';
import { loadOidcProvider } from './quiet.js';
import { signingKey } from './signing-keys.js';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const ID_JAG_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id-jag';
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
const ID_JAG_TYP = 'oauth-id-jag+jwt';

/** The app's client at the IdP (confidential: it signs users in and exchanges their ID tokens). */
export const IDP_CLIENT_ID = 'enterprise-mcp-app';
export const IDP_CLIENT_SECRET = 'enterprise-mcp-app-secret-0123456789abcdef';
/** The app's client at the MCP authorization server, allowed the JWT bearer grant. */
export const XAA_CLIENT_ID = 'fixture-xaa-client';
export const XAA_CLIENT_SECRET = 'fixture-xaa-client-secret-0123456789abcdef';

/** The loopback redirect URI the IdP client is registered with (any port: a native client). */
const IDP_REDIRECT = 'http://127.0.0.1/callback';

/** One token exchange at the IdP (never the tokens). */
export interface TokenExchangeRecord {
  clientId: string | undefined;
  requestedTokenType: unknown;
  subjectTokenType: unknown;
  audience: unknown;
  resource: unknown;
  scope: unknown;
  /** `ok`, or the OAuth error answered. */
  outcome: string;
}

/** One JWT bearer grant at the MCP authorization server (never the tokens). */
export interface JwtBearerRecord {
  clientId: string | undefined;
  resource: unknown;
  scope: unknown;
  /** The ID-JAG's header `typ` and claims that were checked. */
  typ?: string;
  sub?: string;
  outcome: string;
}

/** A running enterprise IdP. */
export interface EnterpriseIdp {
  /** The IdP as a provider fixture (counters, token request log, …). */
  provider: OidcProvider;
  issuer: string;
  jwksUri: string;
  clientId: string;
  clientSecret: string;
  /** Token exchanges so far. */
  exchanges: TokenExchangeRecord[];
  /** Lets the IdP issue ID-JAGs for `asIssuer`, naming `clientId` (the app's client there). */
  trust(asIssuer: string, clientId: string): void;
  /** Signs `user` in at the IdP (authorization code + PKCE, as the app) and returns the ID token it issued. */
  idTokenFor(user?: string): Promise<string>;
  close(): Promise<void>;
}

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** Starts the IdP; `options` are passed to its provider fixture (a separate signing key is always used). */
export async function startEnterpriseIdp(options: Omit<OidcProviderOptions, 'setup' | 'signingKeyName'> = {}): Promise<EnterpriseIdp> {
  const { errors } = await loadOidcProvider();
  const trusted = new Map<string, string>();
  const exchanges: TokenExchangeRecord[] = [];
  const jwk = await signingKey('idp');
  const privateKey = await importJWK(jwk, 'RS256');
  let issuer = '';
  let keys: ReturnType<typeof createRemoteJWKSet> | undefined;

  const exchange = async (ctx: KoaContextWithOIDC) => {
    const { params = {}, client } = ctx.oidc!;
    const record: TokenExchangeRecord = {
      clientId: client?.clientId,
      requestedTokenType: params.requested_token_type,
      subjectTokenType: params.subject_token_type,
      audience: params.audience,
      resource: params.resource,
      scope: params.scope,
      outcome: 'ok',
    };
    exchanges.push(record);
    const fail = (error: Error & { error?: string }) => {
      record.outcome = error.error ?? error.message;
      throw error;
    };
    if (params.requested_token_type !== ID_JAG_TOKEN_TYPE) fail(new errors.InvalidRequest(`requested_token_type must be ${ID_JAG_TOKEN_TYPE}`));
    if (params.subject_token_type !== ID_TOKEN_TYPE) fail(new errors.InvalidRequest(`subject_token_type must be ${ID_TOKEN_TYPE}`));
    const audience = str(params.audience);
    if (!audience) return fail(new errors.InvalidRequest('audience is required'));
    const target = trusted.get(audience);
    if (!target) return fail(new errors.InvalidTarget('this IdP does not issue grants for that audience'));
    let sub: string;
    try {
      keys ??= createRemoteJWKSet(new URL(`${issuer}/jwks`));
      const { payload } = await jwtVerify(str(params.subject_token) ?? '', keys, { issuer, audience: client!.clientId });
      sub = String(payload.sub);
    } catch {
      return fail(new errors.InvalidGrant('subject_token is not a valid ID token issued to this client'));
    }
    const resource = str(params.resource);
    const scope = str(params.scope);
    const idJag = await new SignJWT({ sub, client_id: target, ...(resource ? { resource } : {}), ...(scope ? { scope } : {}) })
      .setProtectedHeader({ alg: 'RS256', typ: ID_JAG_TYP, kid: jwk.kid! })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(randomUUID())
      .sign(privateKey);
    ctx.body = { access_token: idJag, issued_token_type: ID_JAG_TOKEN_TYPE, token_type: 'N_A', expires_in: 300, ...(scope ? { scope } : {}) };
  };

  const provider = await startOidcProvider({
    dcr: false,
    cimd: false,
    ...options,
    signingKeyName: 'idp',
    extraClients: [
      ...(options.extraClients ?? []),
      {
        client_id: IDP_CLIENT_ID,
        client_secret: IDP_CLIENT_SECRET,
        client_name: 'Enterprise MCP app',
        application_type: 'native',
        token_endpoint_auth_method: 'client_secret_basic',
        redirect_uris: [IDP_REDIRECT],
        grant_types: ['authorization_code', TOKEN_EXCHANGE_GRANT],
        response_types: ['code'],
      },
    ],
    setup: (p: Provider) => {
      p.registerGrantType(TOKEN_EXCHANGE_GRANT, exchange, [
        'requested_token_type',
        'subject_token',
        'subject_token_type',
        'audience',
        'resource',
        'scope',
        'actor_token',
        'actor_token_type',
      ]);
    },
  });
  issuer = provider.issuer;

  return {
    provider,
    issuer,
    jwksUri: provider.jwksUri,
    clientId: IDP_CLIENT_ID,
    clientSecret: IDP_CLIENT_SECRET,
    exchanges,
    trust: (asIssuer, clientId) => void trusted.set(asIssuer, clientId),
    idTokenFor: (user = 'alice') => signIn(issuer, user),
    close: () => provider.close(),
  };
}

/** Authorization code + PKCE at the IdP as its app client; returns the ID token. */
async function signIn(issuer: string, user: string): Promise<string> {
  const verifier = randomUUID() + randomUUID();
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirectUri = IDP_REDIRECT.replace('127.0.0.1', '127.0.0.1:9');
  const url = new URL(`${issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: IDP_CLIENT_ID,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'openid email',
    state: randomUUID(),
    nonce: randomUUID(),
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  const redirect = await driveLoginToCallback(url, { user });
  const code = redirect.params.get('code');
  if (!code) throw new Error(`the IdP did not sign ${user} in: ${redirect.params.get('error') ?? 'no code'}`);
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${IDP_CLIENT_ID}:${IDP_CLIENT_SECRET}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }),
  });
  const body = (await response.json()) as { id_token?: string; error?: string };
  if (!body.id_token) throw new Error(`the IdP issued no ID token: ${body.error ?? response.status}`);
  return body.id_token;
}

/** Static metadata of the app's client at the MCP authorization server, allowed the JWT bearer grant. */
export const XAA_CLIENT: Readonly<Record<string, unknown>> = {
  client_id: XAA_CLIENT_ID,
  client_secret: XAA_CLIENT_SECRET,
  client_name: 'Cross-app access client',
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: [JWT_BEARER_GRANT],
  response_types: [],
  redirect_uris: [],
};

/**
 * The MCP authorization server's `setup`: accept ID-JAGs from `idp` with the JWT bearer grant, recording each
 * attempt in `records`.
 */
export function acceptIdJags(idp: { issuer: string; jwksUri: string }, records: JwtBearerRecord[] = []): NonNullable<OidcProviderOptions['setup']> {
  return (provider: Provider, context: ProviderSetupContext) => {
    const keys = createRemoteJWKSet(new URL(idp.jwksUri));
    provider.registerGrantType(
      JWT_BEARER_GRANT,
      async (ctx) => {
        const { errors } = await loadOidcProvider();
        const { params = {}, client } = ctx.oidc!;
        const record: JwtBearerRecord = { clientId: client?.clientId, resource: params.resource, scope: params.scope, outcome: 'ok' };
        records.push(record);
        const fail = (error: Error & { error?: string }): never => {
          record.outcome = error.error ?? error.message;
          throw error;
        };
        let claims: Record<string, unknown>;
        try {
          const { payload, protectedHeader } = await jwtVerify(str(params.assertion) ?? '', keys, { issuer: idp.issuer, audience: provider.issuer, typ: ID_JAG_TYP });
          record.typ = protectedHeader.typ;
          claims = payload;
        } catch (error) {
          return fail(new errors.InvalidGrant(`the assertion is not a valid ID-JAG: ${(error as Error).message}`));
        }
        record.sub = str(claims.sub);
        if (claims.client_id !== client?.clientId) fail(new errors.InvalidGrant('the ID-JAG was issued for another client'));
        const resource = str(params.resource) ?? str(claims.resource);
        if (!resource) return fail(new errors.InvalidRequest('no resource'));
        if (claims.resource !== undefined && claims.resource !== resource) fail(new errors.InvalidGrant('the ID-JAG is for another resource'));
        const info = context.resourceServer(resource);
        const allowed = new Set(info.scope.split(' '));
        const scope = (str(params.scope) ?? str(claims.scope) ?? '').split(' ').filter((s) => allowed.has(s)).join(' ');
        const token = new provider.AccessToken({ accountId: record.sub!, client: client!, gty: 'jwt_bearer', ...(scope ? { scope } : {}) });
        token.resourceServer = new provider.ResourceServer(resource, { ...info });
        const value = await token.save();
        ctx.body = { access_token: value, token_type: token.tokenType, expires_in: token.expiration, ...(scope ? { scope } : {}) };
      },
      ['assertion', 'scope', 'resource'],
    );
  };
}

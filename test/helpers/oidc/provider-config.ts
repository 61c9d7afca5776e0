/**
 * The oidc-provider 9 configuration the fixture runs with, built from {@link OidcProviderOptions}. Kept apart from
 * the server start-up so that every key that matters is in one place, each with the reason it is set.
 */
import { randomBytes } from 'node:crypto';
import type { Client, Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { JWK } from 'jose';
import type { MemoryStore } from './memory-store.js';
import type { MetadataDocuments } from './metadata-documents.js';

/** Scopes the provider supports unless told otherwise. */
export const DEFAULT_SCOPES: readonly string[] = ['openid', 'profile', 'email', 'offline_access', 'mcp:read', 'mcp:write'];

/** Scopes defined by OpenID Connect itself; every other supported scope is a resource-server (MCP) scope. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'address', 'phone', 'offline_access']);

/** Redirect URIs of the pre-registered clients. Native clients may use any port on these (RFC 8252 §7.3). */
export const DEFAULT_REDIRECT_URIS: readonly string[] = [
  'http://127.0.0.1/callback',
  'http://localhost/callback',
  'http://[::1]/callback',
];

/** The pre-registered clients' ids and the confidential one's secret. */
export const PUBLIC_CLIENT_ID = 'fixture-public-client';
export const CONFIDENTIAL_CLIENT_ID = 'fixture-confidential-client';
export const CONFIDENTIAL_CLIENT_SECRET = 'fixture-confidential-secret-0123456789abcdef';

const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

/** What {@link buildConfiguration} needs besides the options. */
export interface ConfigurationInputs {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Resource indicators accepted; empty = any absolute http(s) URL. Read at each request (tests may add). */
  resources: ReadonlySet<string>;
  scopes: readonly string[];
  pkceRequired: boolean;
  dcr: boolean;
  cimd: boolean;
  rotateRefreshTokens: boolean;
  redirectUris: readonly string[];
  /** Device authorization grant (RFC 8628) on: `/device/auth`, the `/device` pages, and the grant for the fixture clients. */
  deviceFlow: boolean;
  /** More static clients (e.g. one with a JWKS for private_key_jwt, or one for a custom grant). */
  extraClients: readonly Record<string, unknown>[];
  signingKey: JWK;
  store: MemoryStore;
  documents: MetadataDocuments;
  /**
   * The resource tokens are for when a request names none (as providers that set the audience per client or API
   * do); read at each request. Undefined: oidc-provider's default (no resource: tokens for its userinfo only).
   */
  defaultResource: { value: string | undefined };
  /** DPoP (RFC 9449, on by default in oidc-provider): off, on, or on with a server nonce required (§8). */
  dpop: 'off' | 'on' | 'nonce';
  /** `token_endpoint_auth_methods_supported` (oidc-provider's `clientAuthMethods`); undefined = its default list. */
  clientAuthMethods: readonly string[] | undefined;
  /** oidc-provider's `errors.InvalidTarget` (passed in: importing oidc-provider statically prints its warning). */
  InvalidTarget: new (description?: string) => Error;
}

/** What the provider's `getResourceServerInfo` answers for an accepted resource indicator. */
export interface ResourceServerInfo {
  scope: string;
  audience: string;
  accessTokenTTL: number;
  accessTokenFormat: 'jwt';
  jwt: { sign: { alg: 'RS256' } };
}

/**
 * The resource server behind an indicator: JWT access tokens with `aud` = the indicator, the non-OIDC scopes, the
 * configured lifetime. Throws `InvalidTarget` for an indicator the provider does not accept.
 */
export function resourceServerInfo(inputs: ConfigurationInputs, indicator: string): ResourceServerInfo {
  if (!resourceAccepted(indicator, inputs.resources)) {
    throw new inputs.InvalidTarget('resource indicator not known to this authorization server');
  }
  return {
    scope: inputs.scopes.filter((scope) => !OIDC_SCOPES.has(scope)).join(' '),
    audience: indicator,
    accessTokenTTL: inputs.accessTokenTtlSeconds,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
  };
}

/** Builds the provider configuration. */
export function buildConfiguration(inputs: ConfigurationInputs): Configuration {
  const accessTtl = inputs.accessTokenTtlSeconds;
  const device = inputs.deviceFlow ? [DEVICE_CODE] : [];
  return {
    adapter: inputs.store.adapterFactory,
    jwks: { keys: [inputs.signingKey] },
    cookies: { keys: ['mcp-auth-bridge-fixture-cookie-key'] },
    clients: [
      {
        client_id: PUBLIC_CLIENT_ID,
        client_name: 'Fixture public client',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: [...inputs.redirectUris],
        grant_types: ['authorization_code', 'refresh_token', ...device],
        response_types: ['code'],
      },
      {
        client_id: CONFIDENTIAL_CLIENT_ID,
        client_secret: CONFIDENTIAL_CLIENT_SECRET,
        client_name: 'Fixture confidential client',
        application_type: 'native',
        token_endpoint_auth_method: 'client_secret_basic',
        redirect_uris: [...inputs.redirectUris],
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials', ...device],
        response_types: ['code'],
      },
      ...inputs.extraClients.map((client) => structuredClone(client)),
    ],
    // Scopes sent at dynamic registration must be listed here, or registration fails with invalid_client_metadata.
    scopes: [...inputs.scopes],
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    responseTypes: ['code'],
    pkce: { required: () => inputs.pkceRequired },
    ...(inputs.clientAuthMethods ? { clientAuthMethods: [...inputs.clientAuthMethods] } : {}),
    async findAccount(_ctx: unknown, sub: string) {
      return {
        accountId: sub,
        claims: async () => ({ sub, name: sub, email: `${sub}@example.test`, email_verified: true }),
      };
    },
    // Refresh tokens for every client allowed the grant, offline_access or not; not tied to the login session.
    issueRefreshToken: async (_ctx: unknown, client: Client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    // Rotate on every use; presenting a rotated one again revokes the whole grant.
    rotateRefreshToken: inputs.rotateRefreshTokens,
    ttl: {
      AccessToken: accessTtl,
      ClientCredentials: accessTtl,
      AuthorizationCode: 60,
      DeviceCode: 600,
      IdToken: 3600,
      Interaction: 600,
      Grant: inputs.refreshTokenTtlSeconds,
      RefreshToken: inputs.refreshTokenTtlSeconds,
      Session: 24 * 3600,
    },
    clientBasedCORS: () => true,
    renderError: renderErrorPage,
    // CIMD documents are fetched through here (served from memory); see MetadataDocuments.
    fetch: inputs.documents.fetch,
    features: {
      devInteractions: { enabled: true },
      registration: { enabled: inputs.dcr },
      revocation: { enabled: true },
      introspection: { enabled: true },
      deviceFlow: { enabled: inputs.deviceFlow },
      clientCredentials: { enabled: true },
      dPoP: inputs.dpop === 'nonce' ? { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true } : { enabled: inputs.dpop === 'on' },
      clientIdMetadataDocument: {
        enabled: inputs.cimd,
        ack: 'draft-02',
        // No caching: a test that changes a document sees the change on the next request.
        cacheDuration: { min: 0, max: 0 },
      },
      resourceIndicators: {
        enabled: true,
        // With no `resource` in a token request, keep the one granted at authorization (RFC 8707 allows omitting).
        useGrantedResource: async () => true,
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string) => oneOf ?? inputs.defaultResource.value,
        async getResourceServerInfo(_ctx: KoaContextWithOIDC, indicator: string) {
          return resourceServerInfo(inputs, indicator);
        },
      },
    },
  };
}

function resourceAccepted(indicator: string, resources: ReadonlySet<string>): boolean {
  if (resources.size > 0) return resources.has(indicator);
  const url = URL.parse(indicator);
  return url !== null && (url.protocol === 'http:' || url.protocol === 'https:');
}

const escapeHtml = (value: unknown) =>
  String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A plain error page (instead of the provider's default, which logs a notice asking to customise it). */
function renderErrorPage(ctx: KoaContextWithOIDC & { type: string }, out: Record<string, unknown>): void {
  ctx.type = 'html';
  ctx.body =
    `<!DOCTYPE html><html><head><title>${escapeHtml(out.error)}</title></head><body>` +
    `<h1 id="error">${escapeHtml(out.error)}</h1><p id="error_description">${escapeHtml(out.error_description ?? '')}</p>` +
    '</body></html>';
}

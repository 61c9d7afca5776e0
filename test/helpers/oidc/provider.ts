/**
 * A real OpenID Provider (`oidc-provider` 9) in-process on `http://127.0.0.1:<port>`, configured like the
 * authorization servers MCP clients meet: RFC 8414 / OIDC discovery, PKCE, RFC 7591 dynamic registration, client
 * ID metadata documents, RFC 8707 resource indicators with JWT access tokens (RFC 9068), rotating refresh tokens,
 * RFC 9207 `iss` in authorization responses, a development login + consent form, device flow and client
 * credentials. It counts what tests assert on and can forget clients and grants on demand.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from 'oidc-provider';
import { listenLoopback, readBody, type ListenOptions } from '../http-util.js';
import { MemoryStore } from './memory-store.js';
import { MetadataDocuments } from './metadata-documents.js';
import { enforceDevicePolling, type DevicePollingOptions } from './device-polling.js';
import {
  buildConfiguration,
  CONFIDENTIAL_CLIENT_ID,
  CONFIDENTIAL_CLIENT_SECRET,
  DEFAULT_REDIRECT_URIS,
  DEFAULT_SCOPES,
  PUBLIC_CLIENT_ID,
  resourceServerInfo,
  type ConfigurationInputs,
  type ResourceServerInfo,
} from './provider-config.js';
import { createProvider, loadOidcProvider } from './quiet.js';
import {
  recordProviderTraffic,
  type ProviderCounters,
  type ProviderRequest,
  type TokenRequestRecord,
} from './provider-traffic.js';
import { signingKey } from './signing-keys.js';
import { closeAfterTest, type TeardownMode } from '../cleanup.js';

export { DEFAULT_SCOPES, type ResourceServerInfo } from './provider-config.js';
export type { DevicePollingOptions } from './device-polling.js';

/** What {@link OidcProviderOptions.setup} gets besides the provider. */
export interface ProviderSetupContext {
  /** The resource server the provider would issue tokens for at `indicator` (throws `invalid_target` otherwise). */
  resourceServer(indicator: string): ResourceServerInfo;
}
export type { ProviderCounters, ProviderRequest, TokenRequestRecord } from './provider-traffic.js';

/** Options for {@link startOidcProvider}. */
export interface OidcProviderOptions extends ListenOptions {
  /** When it is closed: after the test (default) or by the caller. */
  teardown?: TeardownMode;
  /** Lifetime of access tokens (JWT and opaque). Default 3600; a few seconds for refresh tests. */
  accessTokenTtlSeconds?: number;
  /** Lifetime of refresh tokens (and grants). Default 14 days. */
  refreshTokenTtlSeconds?: number;
  /**
   * Resource indicator(s) (RFC 8707) accepted, e.g. the MCP server's URL; each becomes the `aud` of the JWT access
   * tokens issued for it. Default: none listed, which accepts any absolute `http(s)` URL (audience = the indicator
   * as sent), so the provider can start before the MCP server whose URL it will serve. More can be added later
   * with {@link OidcProvider.resources}.
   */
  resource?: string | readonly string[];
  /**
   * Supported scopes (advertised in `scopes_supported`). Those not defined by OpenID Connect (`openid`, `profile`,
   * `email`, `address`, `phone`, `offline_access`) are the resource server's scopes, carried in access tokens.
   * Default {@link DEFAULT_SCOPES}.
   */
  scopes?: readonly string[];
  /**
   * true (default): PKCE required for every client, confidential ones too (OAuth 2.1). false: optional for every
   * client, public ones included, so a test can show the product sends it unprompted.
   */
  pkceRequired?: boolean;
  /** Open dynamic client registration (RFC 7591) at `/reg`. Default true. */
  dcr?: boolean;
  /** Accept client ID metadata documents (`https://` client ids, served from {@link OidcProvider.metadataDocuments}). Default true. */
  cimd?: boolean;
  /** Rotate refresh tokens on every use (reuse of a rotated one revokes the grant). Default true. */
  rotateRefreshTokens?: boolean;
  /** Redirect URIs of the two pre-registered clients. Default loopback `…/callback` on 127.0.0.1, localhost, [::1]. */
  redirectUris?: readonly string[];
  /**
   * Device authorization grant (RFC 8628). true (default): on, as oidc-provider does it (no `interval`, never
   * `slow_down`). An object: on, with an advertised `interval` and `slow_down` for polls faster than the minimum.
   * false: off (no `device_authorization_endpoint`; the fixture clients do not list the grant).
   */
  deviceFlow?: boolean | DevicePollingOptions;
  /** More static clients (oidc-provider client metadata), e.g. one with a JWKS for private_key_jwt. */
  extraClients?: readonly Record<string, unknown>[];
  /** Name of the signing key (see signing-keys.ts): another name gives this provider keys of its own. Default `default`. */
  signingKeyName?: string;
  /** `token_endpoint_auth_methods_supported`, e.g. `['client_secret_post']` as the MCP Python SDK lists. Default: oidc-provider's. */
  clientAuthMethods?: readonly string[];
  /**
   * Act like the strict authorization servers of the MCP Python SDK and fastmcp at the token endpoint:
   * `client-id-in-body` answers `invalid_client` to a token request whose form body has no `client_id`, whatever
   * the client authentication; `refuse-all` answers `invalid_client` to every token request (a server that does not
   * accept the clients it registers). Such refusals are counted in {@link OidcProvider.strictRefusals}.
   */
  strictTokenEndpoint?: 'client-id-in-body' | 'refuse-all';
  /** DPoP (RFC 9449): true (default, as oidc-provider has it), false (off: not advertised), or `nonce` (token requests need a server nonce, §8). */
  dpop?: boolean | 'nonce';
  /** Called once the provider is built, before it serves a request: register custom grant types here. */
  setup?: (provider: Provider, context: ProviderSetupContext) => void;
}

/** A pre-registered client. */
export interface FixtureClient {
  clientId: string;
  /** Only for the confidential client (`client_secret_basic`). */
  clientSecret?: string;
  redirectUris: readonly string[];
}

/** A running provider fixture. */
export interface OidcProvider {
  /** `http://127.0.0.1:<port>` (no trailing slash), also the base of every endpoint. */
  issuer: string;
  port: number;
  /** `<issuer>/.well-known/openid-configuration`. */
  openidConfigurationUrl: string;
  /** `<issuer>/.well-known/oauth-authorization-server` (RFC 8414). */
  authorizationServerMetadataUrl: string;
  /** The JWKS holding the access-token signing key (for `createRemoteJWKSet`). */
  jwksUri: string;
  /** Dynamic registration endpoint (`<issuer>/reg`), present even when registration is off (it then 404s). */
  registrationEndpoint: string;
  /** Supported scopes, as configured. */
  scopes: readonly string[];
  /** Pre-registered public native client (`token_endpoint_auth_method: 'none'`). */
  publicClient: FixtureClient;
  /** Pre-registered confidential client (`client_secret_basic`, also allowed `client_credentials`). */
  confidentialClient: FixtureClient & { clientSecret: string };
  /** Accepted resource indicators (empty = any http(s) URL); add to it while running. */
  resources: Set<string>;
  /** Client ID metadata documents served to the provider (set `https://…` URLs here). */
  metadataDocuments: MetadataDocuments;
  /** Live counters (authorization requests, token requests by grant type, registrations). */
  counters: ProviderCounters;
  /** Every token endpoint call: grant type, client, status, error code (never token values). */
  tokenRequests: readonly TokenRequestRecord[];
  /** Every HTTP request: method, path, provider route name, status. */
  requests: readonly ProviderRequest[];
  /** Whether any request carried this value (parameter or credential); compared by digest, never stored. */
  received(value: string): boolean;
  /**
   * The resource tokens are issued for when a request names none (a provider that sets the audience by its own
   * configuration); undefined (default) = oidc-provider's behaviour. Set it once the MCP server's URL is known.
   */
  defaultResource: string | undefined;
  /** Token requests refused by {@link OidcProviderOptions.strictTokenEndpoint} (they never reach oidc-provider). */
  readonly strictRefusals: number;
  /** Zeroes the counters and empties both logs. */
  resetCounters(): void;
  /** Client ids created by dynamic registration (and not forgotten since). */
  registeredClientIds(): string[];
  /**
   * Makes the provider forget a dynamically registered client, as a server restart with a non-persistent store
   * does: its id then fails with `invalid_client`. Returns false if no such stored client (pre-registered ones
   * cannot be forgotten).
   */
  forgetClient(clientId: string): boolean;
  /**
   * Revokes every grant with its authorization codes and refresh tokens (they then fail with `invalid_grant`);
   * returns the number of grants. Issued JWT access tokens stay valid at the resource server until they expire.
   */
  revokeAllGrants(): number;
  /** The oidc-provider instance itself, for what the fixture does not wrap. */
  provider: Provider;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

/** The default resource of each running provider, by issuer (see {@link configureAudience}). */
const defaultResources = new Map<string, { value: string | undefined }>();

/**
 * Configures the provider at `issuer` (if one runs in this process and has none yet) to issue tokens for `resource`
 * when a request names no resource — as a token-validating server's provider is configured with its audience.
 * Called by the protected MCP server fixture in issuer mode (`advertise: false`).
 */
export function configureAudience(issuer: string, resource: string): void {
  const entry = defaultResources.get(issuer);
  if (entry && entry.value === undefined) entry.value = resource;
}

/** Starts a real oidc-provider on 127.0.0.1 (`port` or a free one); see {@link OidcProviderOptions}. */
export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<OidcProvider> {
  const { errors } = await loadOidcProvider();
  const store = new MemoryStore();
  const documents = new MetadataDocuments();
  const resources = new Set<string>(typeof options.resource === 'string' ? [options.resource] : options.resource);
  const scopes = options.scopes ?? DEFAULT_SCOPES;
  const redirectUris = options.redirectUris ?? DEFAULT_REDIRECT_URIS;

  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  let strictRefusals = 0;
  const listening = await listenLoopback(async (req, res) => {
    if (!handler) throw new Error('provider not ready');
    if (options.strictTokenEndpoint && req.method === 'POST' && (req.url ?? '').split('?')[0] === '/token') {
      // Read the form body here, then hand it to oidc-provider as an already-parsed body (it reads `req.body`).
      const body = await readBody(req);
      if (options.strictTokenEndpoint === 'refuse-all' || !new URLSearchParams(body).get('client_id')) {
        strictRefusals++;
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="token"' });
        res.end(JSON.stringify({ error: 'invalid_client', error_description: options.strictTokenEndpoint === 'refuse-all' ? 'client refused' : 'client_id is required in the request body' }));
        return;
      }
      (req as IncomingMessage & { body?: string }).body = body;
    }
    handler(req, res);
  }, options);
  const issuer = `http://127.0.0.1:${listening.port}`;

  const inputs: ConfigurationInputs = {
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
    refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? 14 * 24 * 3600,
    resources,
    scopes,
    pkceRequired: options.pkceRequired ?? true,
    dcr: options.dcr ?? true,
    cimd: options.cimd ?? true,
    rotateRefreshTokens: options.rotateRefreshTokens ?? true,
    redirectUris,
    deviceFlow: options.deviceFlow !== false,
    dpop: options.dpop === false ? 'off' : options.dpop === 'nonce' ? 'nonce' : 'on',
    defaultResource: { value: undefined },
    clientAuthMethods: options.clientAuthMethods,
    extraClients: options.extraClients ?? [],
    signingKey: await signingKey(options.signingKeyName),
    store,
    documents,
    InvalidTarget: errors.InvalidTarget,
  };
  const configuration = buildConfiguration(inputs);
  let provider: Provider;
  try {
    provider = await createProvider(issuer, configuration);
  } catch (error) {
    await listening.close();
    throw error;
  }
  const traffic = recordProviderTraffic(provider);
  defaultResources.set(issuer, inputs.defaultResource);
  if (typeof options.deviceFlow === 'object') enforceDevicePolling(provider, options.deviceFlow);
  try {
    options.setup?.(provider, { resourceServer: (indicator) => resourceServerInfo(inputs, indicator) });
  } catch (error) {
    await listening.close();
    throw error;
  }
  handler = provider.callback();

  return {
    issuer,
    port: listening.port,
    openidConfigurationUrl: `${issuer}/.well-known/openid-configuration`,
    authorizationServerMetadataUrl: `${issuer}/.well-known/oauth-authorization-server`,
    jwksUri: `${issuer}/jwks`,
    registrationEndpoint: `${issuer}/reg`,
    scopes,
    publicClient: { clientId: PUBLIC_CLIENT_ID, redirectUris },
    confidentialClient: { clientId: CONFIDENTIAL_CLIENT_ID, clientSecret: CONFIDENTIAL_CLIENT_SECRET, redirectUris },
    resources,
    metadataDocuments: documents,
    counters: traffic.counters,
    tokenRequests: traffic.tokenRequests,
    requests: traffic.requests,
    resetCounters: () => {
      traffic.reset();
      strictRefusals = 0;
    },
    received: (value) => traffic.received(value),
    get defaultResource() {
      return inputs.defaultResource.value;
    },
    set defaultResource(value) {
      inputs.defaultResource.value = value;
    },
    get strictRefusals() {
      return strictRefusals;
    },
    registeredClientIds: () =>
      store.entries('Client').map((client) => String(client.client_id)),
    forgetClient: (clientId) => store.delete('Client', clientId),
    revokeAllGrants: () => store.revokeAllGrants(),
    provider,
    close: closeAfterTest(() => {
      defaultResources.delete(issuer);
      return listening.close();
    }, options.teardown),
  };
}

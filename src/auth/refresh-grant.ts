/**
 * The refresh token grant (RFC 6749 §6; OAuth 2.1 §4.3), split like the other grants and like oauth4webapi:
 * {@link refreshRequest} sends, {@link processRefresh} validates. {@link refreshClient} is the client a stored login
 * is refreshed as: the pre-registered one the options name, the metadata document, or the stored registration.
 * Which login to refresh, the lock and what a refusal means for the stored login are the Authorizer's.
 */
import { processRefreshTokenResponse, refreshTokenGrantRequest, type AuthorizationServer, type TokenEndpointResponse } from 'oauth4webapi';
import { BridgeError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { CredentialStore, LoginMetadata, StoredLogin } from '../store/index.js';
import { resolveClient, type ResolvedClient } from './client.js';
import type { ClientKey } from './client-key.js';
import type { AuthContext } from './discovery-context.js';
import { describeOAuthError, OAuthError, oauthErrorCode } from './oauth-errors.js';
import { withDPoPNonce } from './dpop/nonce-retry.js';
import { tokenRequestOptions, type OAuthHttp } from './oauth-http.js';
import { saveLogin } from './save-login.js';
import { shouldRefresh } from './tokens.js';

/** Options for {@link refreshRequest}. */
export interface RefreshOptions {
  as: AuthorizationServer;
  client: ResolvedClient;
  refreshToken: string;
  /** RFC 8707 resource indicator; undefined sends none. */
  resource: string | undefined;
  http: OAuthHttp;
}

/** The refresh request (`grant_type=refresh_token`, `resource`). Resolves with the raw response. */
export function refreshRequest(o: RefreshOptions): Promise<Response> {
  return refreshTokenGrantRequest(o.as, o.client.client, o.client.auth, o.refreshToken, {
    ...tokenRequestOptions(o.http, new URL(o.as.token_endpoint!)),
    ...(o.resource !== undefined ? { additionalParameters: { resource: o.resource } } : {}),
  });
}

/** The error for a failed refresh; its `cause` is the OAuth error (read its code with `oauthErrorCode`). */
function refreshFailed(error: unknown): BridgeError {
  return new BridgeError(ErrorCode.Auth, `refreshing the login failed: ${describeOAuthError(error)}`, { cause: error });
}

/**
 * Validates the refresh response (oauth4webapi).
 * @throws BridgeError `AUTH` whose `cause` carries the server's OAuth error
 */
export async function processRefresh(as: AuthorizationServer, client: ResolvedClient, response: Response): Promise<TokenEndpointResponse> {
  try {
    return await processRefreshTokenResponse(as, client.client, response);
  } catch (error) {
    throw refreshFailed(error);
  }
}

/** Both steps; a request that could not be sent fails the same way. */
export function requestRefresh(o: RefreshOptions): Promise<TokenEndpointResponse> {
  return withDPoPNonce(!!o.http.dpop, async () => {
    let response: Response;
    try {
      response = await refreshRequest(o);
    } catch (error) {
      throw refreshFailed(error);
    }
    return processRefresh(o.as, o.client, response);
  });
}

/** Options for {@link refreshClient}. */
export interface RefreshClientOptions {
  as: AuthorizationServer;
  /** The stored login's metadata. */
  meta: LoginMetadata;
  /** The redirect URI its client was registered with, when the login did not store one. */
  fallbackRedirectUri: string;
  clientSecret?: string | undefined;
  clientKey?: ClientKey | undefined;
  store: CredentialStore;
  http: OAuthHttp;
  now: () => number;
  logger: Logger;
}

/** The client for refreshing a stored login: options for pre-registered ones, the stored registration for dynamic. */
export function refreshClient(o: RefreshClientOptions): Promise<ResolvedClient> {
  const { meta } = o;
  return resolveClient({
    as: o.as,
    redirectUri: meta.redirectUri ?? o.fallbackRedirectUri,
    scopes: meta.scopes,
    mayRegister: false,
    ...(meta.clientIdSource === 'pre-registered'
      ? { clientId: meta.clientId, ...(o.clientSecret ? { clientSecret: o.clientSecret } : {}), ...(o.clientKey ? { clientKey: o.clientKey } : {}) }
      : {}),
    ...(meta.clientIdSource === 'metadata-document' ? { clientMetadataUrl: meta.clientId } : {}),
    store: o.store,
    http: o.http,
    now: o.now,
    logger: o.logger,
  });
}

/** Whether a failed refresh means the stored login is gone for good (`invalid_grant`, `invalid_client`): it is deleted. */
export function loginRevoked(error: unknown): boolean {
  const code = oauthErrorCode((error as { cause?: unknown })?.cause);
  return code === OAuthError.InvalidGrant || code === OAuthError.InvalidClient;
}

/** Options for {@link refreshStoredLogin}. */
export interface RefreshLoginOptions extends Omit<RefreshClientOptions, 'as' | 'meta'> {
  serverUrl: URL;
  ctx: AuthContext;
  /** The stored login's key and the login as this process holds it. */
  key: string;
  current: StoredLogin;
  /** The access token the server refused, if any. */
  rejectedToken: string | undefined;
  /** The RFC 8707 resource to send, if any. */
  resource: string | undefined;
}

/** What {@link refreshStoredLogin} did: found the login refreshed by another process, or refreshed it. */
export interface RefreshOutcome {
  by: 'other-process' | 'refresh';
  login: StoredLogin;
}

/**
 * Refreshes a stored login (call it under the login's lock): unless another process already did (and rotated the
 * refresh token) while this one waited, asks for new tokens and stores them. A revoked login ({@link loginRevoked})
 * is deleted, with its dynamic client's registration when the server no longer knows the client.
 */
export async function refreshStoredLogin(o: RefreshLoginOptions): Promise<RefreshOutcome> {
  const { store, current } = o;
  const latest = await store.getTokens(o.key);
  if (latest && latest.secrets.accessToken !== o.rejectedToken && !shouldRefresh(latest.metadata, o.now())) return { by: 'other-process', login: latest };
  const refreshToken = latest?.secrets.refreshToken ?? current.secrets.refreshToken!;
  const meta = current.metadata;
  const client = await refreshClient({ ...o, as: o.ctx.as, meta });
  let tokens: TokenEndpointResponse;
  try {
    tokens = await requestRefresh({ as: o.ctx.as, client, refreshToken, resource: o.resource, http: o.http });
  } catch (error) {
    if (loginRevoked(error)) {
      await store.deleteTokens(o.key);
      if (oauthErrorCode((error as { cause?: unknown }).cause) === OAuthError.InvalidClient && client.registrationKey) {
        await store.deleteRegistration(client.registrationKey);
        o.logger.info('the authorization server no longer knows this client; it will be registered again');
      }
    }
    throw error;
  }
  const login = await saveLogin(
    store,
    o.key,
    {
      serverUrl: o.serverUrl,
      issuer: o.ctx.as.issuer,
      resource: o.ctx.resource,
      clientId: meta.clientId,
      source: meta.clientIdSource,
      grant: meta.grant ?? 'authorization_code',
      tokens,
      requested: meta.scopes,
      previous: latest?.secrets ?? current.secrets,
      redirectUri: meta.redirectUri,
    },
    { now: o.now(), logger: o.logger },
  );
  return { by: 'refresh', login };
}

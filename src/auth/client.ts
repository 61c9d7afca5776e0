/**
 * Which OAuth client the bridge is at an authorization server, in the order of preference the MCP authorization
 * spec gives: a pre-registered client id (`--client-id`, with `--client-secret` for a confidential client, or
 * `--client-key` for `private_key_jwt`), a
 * client ID metadata document URL (`--client-metadata-url`, when the server advertises
 * `client_id_metadata_document_supported`), else dynamic client registration (RFC 7591) as a native application,
 * stored per (issuer, redirect URI) so it is made once. A client for the device authorization grant (RFC 8628) is
 * registered without redirect URIs, filed under {@link DEVICE_REGISTRATION_URI} instead of one.
 */
import {
  ClientSecretPost,
  dynamicClientRegistrationRequest,
  genericTokenEndpointRequest,
  None,
  processDynamicClientRegistrationResponse,
  processGenericTokenEndpointResponse,
  type AuthorizationServer,
  type Client,
  type ClientAuth,
} from 'oauth4webapi';
import { BridgeError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { registrationKey, type ClientIdSource, type CredentialStore } from '../store/index.js';
import { clientSecretBasic, tolerantRegistrationResponse } from './client-auth.js';
import type { ClientKey } from './client-key.js';
import { privateKeyJwt } from './private-key-jwt.js';
import { oauthOptions, type OAuthHttp } from './oauth-http.js';
import { describeOAuthError, OAuthError, oauthErrorCode } from './oauth-errors.js';

/** The device authorization grant type (RFC 8628 §3.4). */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * What a device-flow client registration is filed under in place of a redirect URI (it has none): the grant's URN.
 * Stored as a device login's `redirectUri` too, so that refreshing finds the registration again.
 */
export const DEVICE_REGISTRATION_URI = DEVICE_CODE_GRANT;

/** A client ready for authorization and token requests. */
export interface ResolvedClient {
  client: Client;
  auth: ClientAuth;
  source: ClientIdSource;
  /** Store key of a dynamic registration (to drop it when the server forgot the client). */
  registrationKey?: string;
  /**
   * True when the registration was made by this very call: a server that refuses it is not answered by registering
   * again (it would refuse the next one the same way, after another browser login).
   */
  registeredNow?: boolean;
}

/** Options for {@link resolveClient}. */
export interface ResolveClientOptions {
  as: AuthorizationServer;
  redirectUri: string;
  /** Scopes the login will ask for: a stored registration that does not allow them all is replaced. */
  scopes: string[];
  /** Further scopes to register for, so a later step-up needs no new registration (e.g. the resource's scopes). */
  registerScopes?: string[];
  /** False when refreshing: use a stored registration, never make a new one. Default true. */
  mayRegister?: boolean;
  /**
   * Whether to check a stored registration with the token endpoint before a login (the server may have forgotten
   * it). Called with its client id; the Authorizer answers true only for a registration that has never yet led to
   * a login, which is when a forgotten client would otherwise strand the user on the provider's error page.
   */
  verifyStored?: (clientId: string) => Promise<boolean>;
  clientId?: string;
  clientSecret?: string;
  /** The pre-registered client's private key (`--client-key`): `private_key_jwt` instead of a secret. */
  clientKey?: ClientKey;
  clientMetadataUrl?: string;
  store: CredentialStore;
  http: OAuthHttp;
  now: () => number;
  logger: Logger;
}

function authFor(method: string | undefined, secret: string | undefined): ClientAuth {
  if (!secret || method === 'none') return None();
  return method === 'client_secret_post' ? ClientSecretPost(secret) : clientSecretBasic(secret);
}

/**
 * The token endpoint auth method to register (RFC 7591 §2): a native app is a public client (RFC 8252 §8.4), so
 * `none` whenever the server lists it; else `client_secret_post`, which carries the client id in the body as every
 * server reads it; else `client_secret_basic`. When the metadata lists no methods, RFC 8414 §2 says the server
 * supports `client_secret_basic` (only), so that is what is asked for — the one method such a server is known to
 * take; the client id goes in the body with it anyway (see {@link clientSecretBasic}).
 */
export function chooseAuthMethod(as: AuthorizationServer): string {
  const supported = as.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  for (const m of ['none', 'client_secret_post', 'client_secret_basic']) if (supported.includes(m)) return m;
  throw new BridgeError(ErrorCode.Auth, `the authorization server ${as.issuer} supports none of the client authentication methods the bridge can use`, {
    hint: `it supports ${supported.join(', ')}; register a client yourself and pass --client-id`,
  });
}

/**
 * A pre-registered client: `private_key_jwt` with a key, else `client_secret_basic` with a secret (`_post` when the
 * server's metadata does not list basic), else a public client (`none`, the client id in the body).
 */
export async function preRegisteredClient(as: AuthorizationServer, clientId: string, credentials: { secret?: string; key?: ClientKey } = {}): Promise<ResolvedClient> {
  if (credentials.key) {
    return { client: { client_id: clientId, token_endpoint_auth_method: 'private_key_jwt' }, auth: await privateKeyJwt(credentials.key, as), source: 'pre-registered' };
  }
  const supported = as.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  const method = !credentials.secret ? 'none' : supported.includes('client_secret_basic') ? 'client_secret_basic' : 'client_secret_post';
  return { client: { client_id: clientId, token_endpoint_auth_method: method }, auth: authFor(method, credentials.secret), source: 'pre-registered' };
}

/** Resolves the client; see the module comment. */
export async function resolveClient(o: ResolveClientOptions): Promise<ResolvedClient> {
  if (o.clientId) {
    o.logger.secret(o.clientSecret);
    return preRegisteredClient(o.as, o.clientId, { ...(o.clientSecret ? { secret: o.clientSecret } : {}), ...(o.clientKey ? { key: o.clientKey } : {}) });
  }
  if (o.clientMetadataUrl) {
    if (o.as.client_id_metadata_document_supported === true) {
      return { client: { client_id: o.clientMetadataUrl, token_endpoint_auth_method: 'none' }, auth: None(), source: 'metadata-document' };
    }
    o.logger.info(`the authorization server does not accept client ID metadata documents; registering a client instead`);
  }
  return registerClient(o);
}

async function registerClient(o: ResolveClientOptions): Promise<ResolvedClient> {
  const key = registrationKey({ issuer: o.as.issuer, redirectUri: o.redirectUri });
  const stored = await o.store.getRegistration(key);
  if (stored) {
    o.logger.secret(stored.secrets.clientSecret);
    const method = String(stored.metadata.clientMetadata.token_endpoint_auth_method ?? (stored.secrets.clientSecret ? 'client_secret_basic' : 'none'));
    const resolved: ResolvedClient = {
      client: { client_id: stored.metadata.clientId, token_endpoint_auth_method: method },
      auth: authFor(method, stored.secrets.clientSecret),
      source: 'dynamic',
      registrationKey: key,
    };
    if (o.mayRegister === false) return resolved;
    const expired = stored.metadata.clientSecretExpiresAt !== undefined && stored.metadata.clientSecretExpiresAt <= o.now();
    const allowed = typeof stored.metadata.clientMetadata.scope === 'string' ? stored.metadata.clientMetadata.scope.split(' ') : undefined;
    const missing = allowed ? o.scopes.filter((s) => !allowed.includes(s)) : [];
    if (expired) o.logger.info('the stored client registration has expired; registering again');
    else if (missing.length) o.logger.info(`the stored client registration does not allow ${missing.join(' ')}; registering again`);
    else if (o.verifyStored && (await o.verifyStored(resolved.client.client_id)) && !(await isClientKnown(o, resolved))) o.logger.info('the authorization server no longer knows the stored client; registering again');
    else return resolved;
  } else if (o.mayRegister === false) {
    throw new BridgeError(ErrorCode.Auth, `no stored client registration at ${o.as.issuer} for ${o.redirectUri}`);
  }
  if (!o.as.registration_endpoint) {
    throw new BridgeError(ErrorCode.Auth, `the authorization server ${o.as.issuer} does not offer dynamic client registration`, {
      hint: 'register a client with the provider and pass --client-id (and --client-secret if it is confidential)',
    });
  }
  const method = chooseAuthMethod(o.as);
  const device = o.redirectUri === DEVICE_REGISTRATION_URI;
  const metadata: Partial<Client> = {
    client_name: 'mcp-auth-bridge',
    application_type: 'native',
    ...(device
      ? { grant_types: [DEVICE_CODE_GRANT, 'refresh_token'], response_types: [] }
      : { redirect_uris: [o.redirectUri], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }),
    token_endpoint_auth_method: method,
    ...(o.scopes.length ? { scope: [...new Set([...o.scopes, ...(o.registerScopes ?? [])])].join(' ') } : {}),
  };
  let registered: Awaited<ReturnType<typeof processDynamicClientRegistrationResponse>>;
  try {
    const response = await dynamicClientRegistrationRequest(o.as, metadata, oauthOptions(o.http, new URL(o.as.registration_endpoint)));
    registered = await processDynamicClientRegistrationResponse(await tolerantRegistrationResponse(response));
  } catch (error) {
    throw new BridgeError(ErrorCode.Auth, `dynamic client registration at ${o.as.issuer} failed: ${describeOAuthError(error)}`, {
      cause: error,
      hint: 'register a client with the provider yourself and pass --client-id',
    });
  }
  const secret = typeof registered.client_secret === 'string' ? registered.client_secret : undefined;
  const rat = typeof registered.registration_access_token === 'string' ? registered.registration_access_token : undefined;
  o.logger.secret(secret);
  o.logger.secret(rat);
  const expiresAt = typeof registered.client_secret_expires_at === 'number' && registered.client_secret_expires_at > 0 ? registered.client_secret_expires_at * 1000 : undefined;
  const issuedAt = typeof registered.client_id_issued_at === 'number' ? registered.client_id_issued_at * 1000 : undefined;
  const usedMethod = String(registered.token_endpoint_auth_method ?? method);
  await o.store.setRegistration(key, {
    metadata: {
      issuer: o.as.issuer,
      redirectUri: o.redirectUri,
      clientId: registered.client_id,
      registeredAt: o.now(),
      ...(issuedAt !== undefined ? { clientIdIssuedAt: issuedAt } : {}),
      ...(expiresAt !== undefined ? { clientSecretExpiresAt: expiresAt } : {}),
      clientMetadata: { ...registered, token_endpoint_auth_method: usedMethod },
    },
    secrets: { ...(secret ? { clientSecret: secret } : {}), ...(rat ? { registrationAccessToken: rat } : {}) },
  });
  o.logger.info(`registered mcp-auth-bridge as a client at ${o.as.issuer}`);
  return {
    client: { client_id: registered.client_id, token_endpoint_auth_method: usedMethod },
    auth: authFor(usedMethod, secret),
    source: 'dynamic',
    registrationKey: key,
    registeredNow: true,
  };
}

/**
 * Whether the authorization server still knows a stored client. A token request with a code that cannot be valid
 * tells: servers authenticate the client first, so an unknown client gets `invalid_client` and a known one
 * `invalid_grant`. Without this, a forgotten client would only show the user an error page in the browser, which
 * never comes back to the bridge. Any other outcome counts as known (the login will tell).
 */
async function isClientKnown(o: ResolveClientOptions, client: ResolvedClient): Promise<boolean> {
  try {
    const params = new URLSearchParams({ code: 'mcp-auth-bridge-client-check', redirect_uri: o.redirectUri, code_verifier: 'x'.repeat(43) });
    const response = await genericTokenEndpointRequest(o.as, client.client, client.auth, 'authorization_code', params, oauthOptions(o.http, new URL(o.as.token_endpoint!)));
    await processGenericTokenEndpointResponse(o.as, client.client, response);
    return true;
  } catch (error) {
    return oauthErrorCode(error) !== OAuthError.InvalidClient;
  }
}

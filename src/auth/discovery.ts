/**
 * Finding the authorization server: protected-resource metadata (RFC 9728) from the MCP server's challenge or its
 * well-known URLs, then authorization-server metadata (RFC 8414 / OpenID Connect Discovery) in the order the MCP
 * authorization spec (2025-11-25) gives, with the issuer checked by oauth4webapi and PKCE S256 required.
 */
import { processDiscoveryResponse, type AuthorizationServer } from 'oauth4webapi';
import { BridgeError, ErrorCode, isBridgeError } from '../errors.js';
import type { BearerChallenge } from './challenge.js';
import { getJson, type OAuthHttp } from './oauth-http.js';
import { isPrivateAddressRefusal } from './private-address-guard.js';
import { checkServerUrl } from './url-policy.js';

/** What the MCP server says about itself (RFC 9728 §2), as far as the bridge needs it. */
export interface ResourceMetadata {
  /** The resource identifier, used as the RFC 8707 `resource` parameter. */
  resource: string;
  /** Issuers of the authorization servers that accept this resource. */
  authorizationServers: string[];
  scopesSupported: string[] | undefined;
  /** Where the document was read. */
  url: string;
}

/**
 * Whether a metadata `resource` may stand for the server at `serverUrl`: equal, or the same origin with a path
 * that is a prefix of the server's path at a segment boundary (RFC 9728 §3.3 as relaxed by draft-mcguinness-oauth-
 * rfc9728bis, which the MCP SDKs also follow).
 */
export function resourceMatches(resource: string, serverUrl: URL): boolean {
  let r: URL;
  try {
    r = new URL(resource);
  } catch {
    return false;
  }
  if (r.origin !== serverUrl.origin || r.search || r.hash) return false;
  const rp = r.pathname.endsWith('/') ? r.pathname : `${r.pathname}/`;
  const sp = serverUrl.pathname.endsWith('/') ? serverUrl.pathname : `${serverUrl.pathname}/`;
  return sp.startsWith(rp);
}

/** The well-known URLs for protected-resource metadata, most specific first (RFC 9728 §3.1). */
export function resourceMetadataUrls(serverUrl: URL): URL[] {
  const path = serverUrl.pathname.replace(/\/$/, '');
  const urls = [];
  if (path) urls.push(new URL(`/.well-known/oauth-protected-resource${path}`, serverUrl.origin));
  urls.push(new URL('/.well-known/oauth-protected-resource', serverUrl.origin));
  return urls;
}

/** Options for {@link fetchResourceMetadata}. */
export interface ResourceMetadataOptions {
  serverUrl: URL;
  challenge: BearerChallenge | undefined;
  http: OAuthHttp;
}

/**
 * Reads the MCP server's protected-resource metadata: from the challenge's `resource_metadata` when given (the
 * MCP spec says to use it), else from the well-known URLs. Resolves undefined when the server publishes none.
 */
export async function fetchResourceMetadata(options: ResourceMetadataOptions): Promise<ResourceMetadata | undefined> {
  const { serverUrl, challenge, http } = options;
  const urls = challenge?.resourceMetadata
    ? [checkServerUrl(challenge.resourceMetadata, 'resource_metadata URL', http.policy)]
    : resourceMetadataUrls(serverUrl);
  for (const url of urls) {
    let response: Response;
    try {
      response = await getJson(http, url);
    } catch (error) {
      if (isBridgeError(error) || isPrivateAddressRefusal(error)) throw error; // says itself what was wrong
      throw new BridgeError(ErrorCode.Auth, `cannot read the server's protected-resource metadata at ${url.href}`, { cause: error });
    }
    if (response.status === 404 || response.status === 405 || response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      continue;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new BridgeError(ErrorCode.Auth, `the server's protected-resource metadata at ${url.href} answered HTTP ${response.status}`, { status: response.status });
    }
    let json: Record<string, unknown>;
    try {
      json = (await response.json()) as Record<string, unknown>;
    } catch (error) {
      throw new BridgeError(ErrorCode.Auth, `the server's protected-resource metadata at ${url.href} is not JSON`, { cause: error });
    }
    if (typeof json !== 'object' || json === null || typeof json.resource !== 'string') {
      throw new BridgeError(ErrorCode.Auth, `the server's protected-resource metadata at ${url.href} has no "resource"`);
    }
    if (!resourceMatches(json.resource, serverUrl)) {
      throw new BridgeError(ErrorCode.Auth, `the protected-resource metadata at ${url.href} is for ${json.resource}, not for ${serverUrl.href}`, {
        hint: 'refusing to send a login for another resource; the server is misconfigured or the metadata was tampered with',
      });
    }
    const servers = Array.isArray(json.authorization_servers) ? json.authorization_servers.filter((s): s is string => typeof s === 'string') : [];
    if (servers.length === 0) {
      throw new BridgeError(ErrorCode.Auth, `the protected-resource metadata at ${url.href} names no authorization server`, {
        hint: 'name the issuer yourself with --issuer',
      });
    }
    const scopes = Array.isArray(json.scopes_supported) ? json.scopes_supported.filter((s): s is string => typeof s === 'string') : undefined;
    return { resource: json.resource, authorizationServers: servers, scopesSupported: scopes, url: url.href };
  }
  return undefined;
}

/** Authorization-server metadata URLs in the MCP 2025-11-25 order: RFC 8414 and OIDC path insertion, OIDC appended. */
export function authorizationServerMetadataUrls(issuer: URL): URL[] {
  const path = issuer.pathname.replace(/\/$/, '');
  if (!path) {
    return [new URL('/.well-known/oauth-authorization-server', issuer.origin), new URL('/.well-known/openid-configuration', issuer.origin)];
  }
  return [
    new URL(`/.well-known/oauth-authorization-server${path}`, issuer.origin),
    new URL(`/.well-known/openid-configuration${path}`, issuer.origin),
    new URL(`${path}/.well-known/openid-configuration`, issuer.origin),
  ];
}

/** Refuses an authorization server that does not advertise PKCE with S256 (MCP 2025-11-25: clients MUST). */
export function assertPkceS256(as: AuthorizationServer): void {
  if (!as.code_challenge_methods_supported?.includes('S256')) {
    throw new BridgeError(ErrorCode.Auth, `the authorization server ${as.issuer} does not advertise PKCE with S256`, {
      hint: 'logging in without PKCE is unsafe and the MCP specification forbids it; ask the server operator to enable it',
    });
  }
}

/** Options for {@link discoverAuthorizationServer}. */
export interface AuthorizationServerOptions {
  issuer: string;
  http: OAuthHttp;
}

/**
 * Reads and validates the authorization server's metadata: the document's `issuer` must equal `issuer`; PKCE
 * S256 must be advertised (MCP 2025-11-25: clients MUST refuse otherwise); the endpoints must pass the URL policy.
 * `checkPkce: false` skips the PKCE check and makes `authorization_endpoint` optional: grants without a browser
 * redirect (device, client credentials, token exchange, JWT bearer) use neither.
 */
export async function discoverAuthorizationServer(options: AuthorizationServerOptions & { checkPkce?: boolean }): Promise<AuthorizationServer> {
  const { http } = options;
  const issuer = checkServerUrl(options.issuer, 'authorization server issuer', http.policy);
  let as: AuthorizationServer | undefined;
  const tried: string[] = [];
  for (const url of authorizationServerMetadataUrls(issuer)) {
    let response: Response;
    try {
      response = await getJson(http, url);
    } catch (error) {
      if (isBridgeError(error) || isPrivateAddressRefusal(error)) throw error; // says itself what was wrong
      throw new BridgeError(ErrorCode.Auth, `cannot reach the authorization server at ${issuer.origin}`, { cause: error, hint: 'check the network, or the --issuer value' });
    }
    if (response.status !== 200) {
      tried.push(`${url.href} (HTTP ${response.status})`);
      await response.body?.cancel();
      continue;
    }
    try {
      as = await processDiscoveryResponse(issuer, response);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') {
        throw new BridgeError(ErrorCode.Auth, `the authorization server metadata at ${url.href} names a different issuer than ${options.issuer}`, {
          cause: error,
          hint: 'refusing a server that claims to be another (RFC 8414 §3.3); check the --issuer value or the server configuration',
        });
      }
      throw new BridgeError(ErrorCode.Auth, `the authorization server metadata at ${url.href} is invalid: ${(error as Error).message}`, { cause: error });
    }
    break;
  }
  if (!as) {
    throw new BridgeError(ErrorCode.Auth, `no authorization server metadata found for ${options.issuer}`, {
      cause: tried,
      hint: `tried ${tried.join(', ')}`,
    });
  }
  if (options.checkPkce !== false) assertPkceS256(as);
  if (options.checkPkce !== false || as.authorization_endpoint !== undefined) checkServerUrl(as.authorization_endpoint, 'authorization_endpoint', http.policy);
  checkServerUrl(as.token_endpoint, 'token_endpoint', http.policy);
  if (as.registration_endpoint !== undefined) checkServerUrl(as.registration_endpoint, 'registration_endpoint', http.policy);
  if (as.device_authorization_endpoint !== undefined) checkServerUrl(as.device_authorization_endpoint, 'device_authorization_endpoint', http.policy);
  return as;
}

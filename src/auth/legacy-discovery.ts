/**
 * Discovery for servers of the 2025-03-26 MCP authorization spec, which publish no protected-resource metadata:
 * the authorization base URL is the MCP server's origin. Its RFC 8414 metadata is read there; when there is none,
 * the spec's default endpoints (`/authorize`, `/token`, `/register`) are used. Only reached when the server gives
 * no RFC 9728 metadata and the user named no `--issuer`.
 */
import type { AuthorizationServer } from 'oauth4webapi';
import { BridgeError, ErrorCode, isBridgeError } from '../errors.js';
import { assertPkceS256 } from './discovery.js';
import { getJson, type OAuthHttp } from './oauth-http.js';
import { checkServerUrl } from './url-policy.js';

/** Options for {@link discoverLegacyAuthorizationServer}. */
export interface LegacyDiscoveryOptions {
  serverUrl: URL;
  http: OAuthHttp;
}

/** What 2025-03-26 discovery found: metadata at the origin, or the default endpoints. */
export interface LegacyAuthorizationServer {
  as: AuthorizationServer;
  /** True when no metadata was found and the default endpoints are assumed. */
  defaults: boolean;
}

/**
 * Runs 2025-03-26 discovery; see the module comment. Resolves undefined when the origin has neither metadata nor
 * an `/authorize` endpoint that answers like one: then the server is not of that kind (a token-validating or an
 * API-key server, most likely).
 */
export async function discoverLegacyAuthorizationServer(o: LegacyDiscoveryOptions): Promise<LegacyAuthorizationServer | undefined> {
  const origin = new URL(o.serverUrl.origin);
  const metadataUrl = new URL('/.well-known/oauth-authorization-server', origin);
  let response: Response;
  try {
    response = await getJson(o.http, metadataUrl);
  } catch (error) {
    if (isBridgeError(error)) throw error; // says itself what was wrong (e.g. an oversized response)
    throw new BridgeError(ErrorCode.Auth, `cannot read ${metadataUrl.href}`, { cause: error });
  }
  if (response.status === 200) {
    let json: Record<string, unknown>;
    try {
      json = (await response.json()) as Record<string, unknown>;
    } catch (error) {
      throw new BridgeError(ErrorCode.Auth, `the authorization server metadata at ${metadataUrl.href} is not JSON`, { cause: error });
    }
    if (typeof json !== 'object' || json === null || typeof json.issuer !== 'string') {
      throw new BridgeError(ErrorCode.Auth, `the authorization server metadata at ${metadataUrl.href} has no issuer`);
    }
    // The document comes from the MCP server's own origin, which is what this spec version trusts; its issuer is
    // not compared with a URL the user gave, because there is none.
    checkServerUrl(json.issuer, 'issuer', o.http.policy);
    const as = json as unknown as AuthorizationServer;
    checkServerUrl(as.authorization_endpoint, 'authorization_endpoint', o.http.policy);
    checkServerUrl(as.token_endpoint, 'token_endpoint', o.http.policy);
    if (as.registration_endpoint !== undefined) checkServerUrl(as.registration_endpoint, 'registration_endpoint', o.http.policy);
    assertPkceS256(as);
    return { as, defaults: false };
  }
  await response.body?.cancel().catch(() => undefined);
  const authorize = new URL('/authorize', origin);
  try {
    const probe = await o.http.fetch(authorize.href, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(o.http.timeoutMs) });
    await probe.body?.cancel().catch(() => undefined);
    // An authorization endpoint answers a bare GET with its page, a redirect, or 400 (no client_id). A 401 or 403
    // is a server that protects every path (an API-key server), not an authorization server; 404 or 405: none. A
    // 5xx is an endpoint that failed on a request without parameters (it exists).
    if (probe.status === 401 || probe.status === 403 || probe.status === 404 || probe.status === 405) return undefined;
  } catch {
    return undefined;
  }
  // The 2025-03-26 defaults. That spec makes PKCE mandatory for servers, so S256 is used as it always is.
  const as: AuthorizationServer = {
    issuer: origin.href.replace(/\/$/, ''),
    authorization_endpoint: new URL('/authorize', origin).href,
    token_endpoint: new URL('/token', origin).href,
    registration_endpoint: new URL('/register', origin).href,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
  };
  return { as, defaults: true };
}

/**
 * Where a server's logins are made, found one way for the bridge, `login` and `doctor`: the authorization server
 * and the resource its tokens are for. In two steps, so `doctor` can report each:
 * {@link locateAuthorizationServer} finds it — `--issuer` (issuer mode), the server's protected-resource metadata
 * (RFC 9728, from its challenge or the well-known URLs; the issuer chosen by issuer-trust.ts), or, when it
 * publishes none, the MCP 2025-03-26 fallback at its origin (metadata or default endpoints) or the API-key diagnosis
 * (unadvertised-auth.ts) — and {@link readAuthorizationServer} reads and checks its metadata (RFC 8414 / OIDC).
 */
import type { AuthorizationServer } from 'oauth4webapi';
import type { Logger } from '../log.js';
import type { BearerChallenge } from './challenge.js';
import { discoverAuthorizationServer, fetchResourceMetadata, type ResourceMetadata } from './discovery.js';
import { chooseIssuer } from './issuer-trust.js';
import type { OAuthHttp } from './oauth-http.js';
import { findUnadvertisedAuthorizationServer, type RefusalEvidence } from './unadvertised-auth.js';

/** How the authorization server was found; one value per discovery path. */
export const DiscoveryPath = {
  /** `--issuer`. */
  Issuer: 'issuer',
  /** RFC 9728 metadata at the URL the server's challenge named. */
  ChallengeMetadata: 'challenge-metadata',
  /** RFC 9728 metadata at a well-known URL. */
  WellKnownMetadata: 'well-known-metadata',
  /** MCP 2025-03-26: RFC 8414 metadata at the server's origin. */
  OriginMetadata: 'origin-metadata',
  /** MCP 2025-03-26: no metadata; the default endpoints at the server's origin. */
  DefaultEndpoints: 'default-endpoints',
} as const;
export type DiscoveryPath = (typeof DiscoveryPath)[keyof typeof DiscoveryPath];

/** Where the authorization server is, before its metadata is read. */
export type AuthorizationServerLocation =
  | { path: typeof DiscoveryPath.Issuer; issuer: string; resource: string }
  | { path: typeof DiscoveryPath.ChallengeMetadata | typeof DiscoveryPath.WellKnownMetadata; issuer: string; resource: string; metadata: ResourceMetadata }
  | { path: typeof DiscoveryPath.OriginMetadata | typeof DiscoveryPath.DefaultEndpoints; as: AuthorizationServer; resource: string };

/** Where logins for a server are made. */
export interface AuthContext {
  as: AuthorizationServer;
  /** The resource value (sent unless `--no-resource`); also part of the credential key. */
  resource: string;
  /** The protected-resource metadata's `scopes_supported`. */
  scopesSupported: string[] | undefined;
  path: DiscoveryPath;
}

/** Options for {@link locateAuthorizationServer}. */
export interface LocateOptions {
  serverUrl: URL;
  /** `--issuer`: issuer mode. */
  issuer?: string | undefined;
  /** `--resource`. */
  resource?: string | undefined;
  /** The Bearer challenge of the server's 401, if any. */
  challenge: BearerChallenge | undefined;
  /** What the server's 401 said, quoted when it names no way to log in. */
  refusal?: RefusalEvidence | undefined;
  /** The issuer of the login in use, kept when the server still names it. */
  loginIssuer?: string | undefined;
  http: OAuthHttp;
}

/**
 * Finds the authorization server; see the module comment.
 * @throws BridgeError `AUTH` for metadata that cannot be used, and for a server that names no way to log in
 */
export async function locateAuthorizationServer(o: LocateOptions): Promise<AuthorizationServerLocation> {
  if (o.issuer) return { path: DiscoveryPath.Issuer, issuer: o.issuer, resource: o.resource ?? o.serverUrl.href };
  const prm = await fetchResourceMetadata({ serverUrl: o.serverUrl, challenge: o.challenge, http: o.http });
  if (prm) {
    return {
      path: o.challenge?.resourceMetadata ? DiscoveryPath.ChallengeMetadata : DiscoveryPath.WellKnownMetadata,
      // The login's own authorization server when the server still names it, so its refresh token stays usable.
      issuer: chooseIssuer(prm.authorizationServers, o.loginIssuer),
      resource: o.resource ?? prm.resource,
      metadata: prm,
    };
  }
  // A server of the 2025-03-26 authorization spec, if it really has an authorization server at its origin; else one
  // that wants an API key or names no provider (the error quotes its answer and names both fixes).
  const legacy = await findUnadvertisedAuthorizationServer({ serverUrl: o.serverUrl, refusal: o.refusal, http: o.http });
  return { path: legacy.defaults ? DiscoveryPath.DefaultEndpoints : DiscoveryPath.OriginMetadata, as: legacy.as, resource: o.resource ?? o.serverUrl.href };
}

/**
 * Reads and checks the located authorization server's metadata (the 2025-03-26 paths have it already).
 * `checkPkce`: PKCE S256 and an authorization endpoint are required (the browser login needs them).
 */
export async function readAuthorizationServer(location: AuthorizationServerLocation, o: { http: OAuthHttp; checkPkce: boolean }): Promise<AuthContext> {
  if ('as' in location) {
    return { as: location.as, resource: location.resource, scopesSupported: undefined, path: location.path };
  }
  const as = await discoverAuthorizationServer({ issuer: location.issuer, http: o.http, checkPkce: o.checkPkce });
  const scopesSupported = 'metadata' in location ? location.metadata.scopesSupported : undefined;
  return { as, resource: location.resource, scopesSupported, path: location.path };
}

/** Both steps, saying in the log when the 2025-03-26 fallback is used. */
export async function discoverContext(o: LocateOptions & { checkPkce: boolean; logger: Logger }): Promise<AuthContext> {
  const location = await locateAuthorizationServer(o);
  if (location.path === DiscoveryPath.OriginMetadata || location.path === DiscoveryPath.DefaultEndpoints) {
    o.logger.info(
      `${o.serverUrl.host} publishes no protected-resource metadata; using ${location.path === DiscoveryPath.DefaultEndpoints ? 'the default endpoints' : 'the authorization server metadata'} at its origin (MCP 2025-03-26)`,
    );
  }
  return readAuthorizationServer(location, o);
}

/**
 * Whether to send the RFC 8707 `resource` parameter: not with `--no-resource`; in issuer mode only with
 * `--resource` (the server declared no resource identifier, and providers that honour the parameter would issue
 * tokens for an audience the server does not check for — Entra refuses it outright, AADSTS9010010).
 */
export function sendsResource(o: { sendResource: boolean; issuer?: string | undefined; resource?: string | undefined }): boolean {
  return o.sendResource && (!o.issuer || o.resource !== undefined);
}

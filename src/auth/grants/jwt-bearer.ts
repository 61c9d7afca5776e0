/**
 * The RFC 7523 JWT bearer grant request (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`, `assertion`,
 * `scope`, `resource`), shared by the two grants that present a JWT: cross-app access (an ID-JAG from the enterprise
 * IdP) and workload identity (the platform's JWT). Each validates the answer and explains a refusal in its own words.
 */
import { genericTokenEndpointRequest, type AuthorizationServer } from 'oauth4webapi';
import type { ResolvedClient } from '../client.js';
import { tokenRequestOptions, type OAuthHttp } from '../oauth-http.js';

/** The grant type of RFC 7523 §2.1. */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Options for {@link jwtBearerRequest}. */
export interface JwtBearerRequestOptions {
  as: AuthorizationServer;
  client: ResolvedClient;
  /** The JWT presented as the grant. */
  assertion: string;
  scopes: string[];
  /** RFC 8707 resource: the MCP server; omitted with `--no-resource`. */
  resource: string | undefined;
  http: OAuthHttp;
}

/** Sends the JWT bearer grant request; resolves with the raw response. */
export function jwtBearerRequest(o: JwtBearerRequestOptions): Promise<Response> {
  const params = new URLSearchParams({ assertion: o.assertion });
  if (o.scopes.length) params.set('scope', o.scopes.join(' '));
  if (o.resource) params.set('resource', o.resource);
  return genericTokenEndpointRequest(o.as, o.client.client, o.client.auth, JWT_BEARER_GRANT, params, tokenRequestOptions(o.http, new URL(o.as.token_endpoint!)));
}

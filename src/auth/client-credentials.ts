/**
 * The client credentials grant (RFC 6749 §4.4; OAuth 2.1 §4.2) for machine-to-machine access (SEP-1046,
 * `--client-credentials`): a pre-registered confidential client authenticates with its secret
 * (`client_secret_basic` or `_post`, as the server's metadata allows) or its private key (`private_key_jwt`,
 * RFC 7523 §2.2) and receives an access token for the MCP server — no user, no browser, no refresh token. The
 * Authorizer asks again before the token expires and on 401, as it refreshes other logins.
 *
 * Split like oauth4webapi: {@link clientCredentialsRequest} sends, {@link processClientCredentials} validates.
 */
import {
  clientCredentialsGrantRequest,
  processClientCredentialsResponse,
  type AuthorizationServer,
  type TokenEndpointResponse,
} from 'oauth4webapi';
import { BridgeError, ErrorCode, isBridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import { type ResolvedClient } from './client.js';
import { describeOAuthError, OAuthError, oauthErrorCode } from './oauth-errors.js';
import { withDPoPNonce } from './dpop/nonce-retry.js';
import { tokenRequestOptions, type OAuthHttp } from './oauth-http.js';

/** Options for {@link clientCredentialsRequest} and {@link requestClientCredentials}. */
export interface ClientCredentialsOptions {
  as: AuthorizationServer;
  client: ResolvedClient;
  scopes: string[];
  /** RFC 8707 resource indicator; omitted with `--no-resource`. */
  resource: string | undefined;
  http: OAuthHttp;
}

/** The token request (`grant_type=client_credentials`, `scope`, `resource`). Resolves with the raw response. */
export function clientCredentialsRequest(o: ClientCredentialsOptions): Promise<Response> {
  const params = new URLSearchParams();
  if (o.scopes.length) params.set('scope', o.scopes.join(' '));
  if (o.resource) params.set('resource', o.resource);
  return clientCredentialsGrantRequest(o.as, o.client.client, o.client.auth, params, tokenRequestOptions(o.http, new URL(o.as.token_endpoint!)));
}

/**
 * Validates the token response (oauth4webapi) and explains a refusal.
 * @throws BridgeError `AUTH` with the server's error code and what to check
 */
export async function processClientCredentials(as: AuthorizationServer, client: ResolvedClient, response: Response): Promise<TokenEndpointResponse> {
  try {
    return await processClientCredentialsResponse(as, client.client, response);
  } catch (error) {
    const code = oauthErrorCode(error);
    throw new BridgeError(ErrorCode.Auth, `the authorization server refused the client credentials of ${client.client.client_id}: ${describeOAuthError(error)}`, {
      cause: error,
      hint:
        code === OAuthError.InvalidClient
          ? `check --client-id and ${client.client.token_endpoint_auth_method === 'private_key_jwt' ? 'that the server has the public half of --client-key (and its key id, --client-key-id)' : 'the client secret (--client-secret / OIDC_CLIENT_SECRET)'}`
          : code === OAuthError.UnauthorizedClient || code === OAuthError.UnsupportedGrantType
            ? 'the client may not use the client_credentials grant; ask the server operator to allow it'
            : code === OAuthError.InvalidScope
              ? 'pass scopes the client may have with --scopes'
              : code === OAuthError.InvalidTarget
                ? 'the server does not accept this resource; set --resource, or --no-resource'
                : undefined,
    });
  }
}

/** Both steps, with the secrets of the answer registered with the logger. */
export async function requestClientCredentials(o: ClientCredentialsOptions & { logger: Logger }): Promise<TokenEndpointResponse> {
  const tokens = await withDPoPNonce(!!o.http.dpop, async () => {
    let response: Response;
    try {
      response = await clientCredentialsRequest(o);
    } catch (error) {
      if (isBridgeError(error)) throw error;
      throw new BridgeError(ErrorCode.Auth, `cannot send the client credentials request to ${o.as.issuer}: ${(error as Error).message}`, { cause: error });
    }
    return processClientCredentials(o.as, o.client, response);
  });
  o.logger.secret(tokens.access_token);
  o.logger.secret(tokens.refresh_token);
  return tokens;
}

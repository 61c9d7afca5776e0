/**
 * Workload identity federation (SEP-1933; RFC 7523 §2.1): the bridge runs as a workload (a Kubernetes pod, a CI
 * job) whose platform issues it a short-lived JWT — a projected service-account token, a CI OIDC token — and the
 * MCP server's authorization server trusts that platform as an issuer. The JWT is the authorization grant:
 *
 *   `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`, `assertion=<platform JWT>`, `scope`, `resource`
 *
 * with no browser and no user. The client is optional: with `--client-id` it identifies itself (its secret or key
 * when it has one, else `client_id` in the body); without, the request carries no client at all, as the extension
 * allows. The JWT is read again for every token request (`--workload-token-file`: the platform rotates the file), so
 * the Authorizer's "refresh" is simply a new grant with the current JWT. A refusal is reported, never retried with
 * another grant.
 */
import { processGenericTokenEndpointResponse, type AuthorizationServer, type ClientAuth, type TokenEndpointResponse } from 'oauth4webapi';
import { BridgeError, ErrorCode, isBridgeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { ResolvedClient } from '../client.js';
import { jwtBearerRequest, type JwtBearerRequestOptions } from './jwt-bearer.js';
import { describeOAuthError, OAuthError, oauthErrorCode } from '../oauth-errors.js';
import { withDPoPNonce } from '../dpop/nonce-retry.js';
import { describeJwtSource, readJwt, type JwtSource } from './jwt-source.js';

/** Where the platform's JWT is: a file it rotates (`--workload-token-file`) or a variable (`MCP_WORKLOAD_TOKEN`). */
export type WorkloadToken = JwtSource;

/** The client id stored with a workload's tokens when no `--client-id` names one (the login key needs one). */
export const WORKLOAD_CLIENT_LABEL = 'workload-identity';

/** No client authentication and no `client_id`: the assertion alone identifies the workload (SEP-1933). */
const noClient: ClientAuth = () => undefined;

/** The client to send the grant as: the pre-registered one, or none. */
export function workloadClient(client: ResolvedClient | undefined): ResolvedClient {
  return client ?? { client: { client_id: WORKLOAD_CLIENT_LABEL, token_endpoint_auth_method: 'none' }, auth: noClient, source: 'pre-registered' };
}

/**
 * Validates the answer and explains a refusal by its OAuth code.
 * @throws BridgeError `AUTH` naming the source of the JWT and what to check
 */
export async function processWorkloadGrant(as: AuthorizationServer, client: ResolvedClient, source: WorkloadToken, response: Response): Promise<TokenEndpointResponse> {
  try {
    return await processGenericTokenEndpointResponse(as, client.client, response);
  } catch (error) {
    const code = oauthErrorCode(error);
    throw new BridgeError(ErrorCode.Auth, `the authorization server ${as.issuer} refused the workload identity token from ${describeJwtSource(source)}: ${describeOAuthError(error)}`, {
      cause: error,
      hint:
        code === OAuthError.InvalidGrant
          ? `the server does not trust this token: check that it trusts the token's issuer, that the token's audience is ${as.issuer} and that it has not expired`
          : code === OAuthError.UnauthorizedClient || code === OAuthError.UnsupportedGrantType
            ? 'the server does not accept the JWT bearer grant for this workload; ask its operator'
            : code === OAuthError.InvalidScope
              ? 'this workload may not have the scopes asked for: pass the ones it may have with --scopes'
              : code === OAuthError.InvalidClient
                ? 'check --client-id and its secret or key, or leave --client-id out if the server expects no client'
                : code === OAuthError.InvalidTarget
                  ? 'the server does not accept this resource; set --resource, or --no-resource'
                  : undefined,
    });
  }
}

/** Options for {@link runWorkloadIdentity}. */
export interface WorkloadIdentityOptions extends Omit<JwtBearerRequestOptions, 'assertion' | 'client'> {
  /** The pre-registered client, when `--client-id` names one. */
  client: ResolvedClient | undefined;
  source: WorkloadToken;
  logger: Logger;
  now: () => number;
}

/** Reads the JWT now and runs the grant; every token on the way is registered with the logger as a secret. */
export async function runWorkloadIdentity(o: WorkloadIdentityOptions): Promise<TokenEndpointResponse> {
  const assertion = await readJwt(o.source, o.now(), { what: 'workload identity token', renew: 'the platform renews it; check the pod, job or agent that writes it' });
  o.logger.secret(assertion);
  const client = workloadClient(o.client);
  const tokens = await withDPoPNonce(!!o.http.dpop, async () => {
    let response: Response;
    try {
      response = await jwtBearerRequest({ ...o, client, assertion });
    } catch (error) {
      if (isBridgeError(error)) throw error;
      throw new BridgeError(ErrorCode.Auth, `cannot send the JWT bearer grant request to ${o.as.issuer}: ${(error as Error).message}`, { cause: error });
    }
    return processWorkloadGrant(o.as, client, o.source, response);
  });
  o.logger.secret(tokens.access_token);
  o.logger.secret(tokens.refresh_token);
  return tokens;
}

/**
 * Cross-app access (SEP-990, "Enterprise-Managed Authorization"; draft-ietf-oauth-identity-assertion-authz-grant):
 * the user is already signed in to the enterprise identity provider, and the bridge holds their ID token from it
 * (`--id-token-file`, or `MCP_IDP_ID_TOKEN`). Two token requests replace the browser login:
 *
 * 1. at the IdP's token endpoint, RFC 8693 token exchange of the ID token for an Identity Assertion JWT
 *    Authorization Grant (ID-JAG): `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`,
 *    `requested_token_type=urn:ietf:params:oauth:token-type:id-jag`, `subject_token=<ID token>`,
 *    `subject_token_type=urn:ietf:params:oauth:token-type:id_token`, `audience=<MCP authorization server issuer>`,
 *    `resource=<MCP server>` (RFC 8707) and `scope`, as the IdP's client (`--idp-client-id`, `--idp-client-secret`);
 * 2. at the MCP server's authorization server, the RFC 7523 JWT bearer grant with that ID-JAG:
 *    `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`, `assertion=<ID-JAG>`, `scope`, `resource`, as the
 *    pre-registered client (`--client-id` with `--client-secret` or `--client-key`).
 *
 * The access token has no refresh token; the Authorizer repeats both steps before it expires and on 401, reading
 * the ID token again each time (a file may be kept fresh by another tool).
 */
import {
  genericTokenEndpointRequest,
  processGenericTokenEndpointResponse,
  type AuthorizationServer,
  type TokenEndpointResponse,
} from 'oauth4webapi';
import { BridgeError, ErrorCode, isBridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import { preRegisteredClient, type ResolvedClient } from './client.js';
import { describeOAuthError, OAuthError, oauthErrorCode } from './oauth-errors.js';
import { discoverAuthorizationServer } from './discovery.js';
import { describeJwtSource, readJwt, type JwtSource } from './grants/jwt-source.js';
import { withDPoPNonce } from './dpop/nonce-retry.js';
import { oauthOptions, type OAuthHttp } from './oauth-http.js';
import { jwtBearerRequest } from './grants/jwt-bearer.js';

/** RFC 8693 §2.1: the token exchange grant type. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** The Identity Assertion JWT Authorization Grant token type (draft-ietf-oauth-identity-assertion-authz-grant). */
export const ID_JAG_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id-jag';
/** RFC 8693 §3: an OpenID Connect ID token as the subject token. */
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';

/** Where the user's ID token from the enterprise IdP comes from. */
export type IdTokenSource = JwtSource;

/** The enterprise identity provider side of cross-app access. */
export interface EnterpriseIdp {
  /** The IdP's issuer (`--idp-issuer`); its metadata is discovered like any authorization server's. */
  issuer: string;
  /** The bridge's client at the IdP (`--idp-client-id`). */
  clientId: string;
  /** Its secret, for a confidential client (`--idp-client-secret`). */
  clientSecret?: string;
  idToken: IdTokenSource;
}

/** Describes an {@link IdTokenSource} for messages (never the token). */
export const describeIdTokenSource = describeJwtSource;

/**
 * Reads the ID token now (a file is read again every time). Checks that it is a JWT and, from its unverified
 * `exp`, that it has not expired — the IdP verifies it; this only turns a stale token into a clear message.
 * @throws BridgeError `AUTH` naming the source and what to do
 */
export function readIdToken(source: IdTokenSource, now: number): Promise<string> {
  return readJwt(source, now, {
    what: 'ID token',
    renew: 'sign in to your enterprise IdP again and replace the ID token',
    unreadable: 'write the ID token from your enterprise IdP there (--id-token-file), or set MCP_IDP_ID_TOKEN',
    shape: 'it must be the id_token your enterprise IdP issued (three base64url parts separated by dots)',
  });
}

/** Options for {@link idJagRequest}. */
export interface IdJagRequestOptions {
  /** The IdP's metadata. */
  idp: AuthorizationServer;
  /** The bridge's client at the IdP. */
  client: ResolvedClient;
  idToken: string;
  /** The issuer of the MCP server's authorization server (the ID-JAG's audience). */
  audience: string;
  /** RFC 8707 resource: the MCP server; omitted with `--no-resource`. */
  resource: string | undefined;
  scopes: string[];
  http: OAuthHttp;
}

/** Step 1: RFC 8693 token exchange of the ID token for an ID-JAG at the IdP. Resolves with the raw response. */
export function idJagRequest(o: IdJagRequestOptions): Promise<Response> {
  const params = new URLSearchParams({
    requested_token_type: ID_JAG_TOKEN_TYPE,
    subject_token: o.idToken,
    subject_token_type: ID_TOKEN_TYPE,
    audience: o.audience,
  });
  if (o.resource) params.set('resource', o.resource);
  if (o.scopes.length) params.set('scope', o.scopes.join(' '));
  return genericTokenEndpointRequest(o.idp, o.client.client, o.client.auth, TOKEN_EXCHANGE_GRANT, params, oauthOptions(o.http, new URL(o.idp.token_endpoint!)));
}

/**
 * Validates the token exchange response: `issued_token_type` must be the ID-JAG type, whose `access_token` is the
 * ID-JAG (RFC 8693 §2.2.1; `token_type` is `N_A`).
 * @throws BridgeError `AUTH` with the IdP's error code and what to check
 */
export async function processIdJagResponse(idp: AuthorizationServer, client: ResolvedClient, response: Response): Promise<string> {
  let body: TokenEndpointResponse;
  try {
    body = await processGenericTokenEndpointResponse(idp, client.client, response, { recognizedTokenTypes: { n_a: () => undefined } });
  } catch (error) {
    const code = oauthErrorCode(error);
    throw new BridgeError(ErrorCode.Auth, `the enterprise IdP ${idp.issuer} refused to exchange the ID token for an ID-JAG: ${describeOAuthError(error)}`, {
      cause: error,
      hint:
        code === OAuthError.InvalidGrant
          ? 'the ID token is not (or no longer) accepted: sign in to the IdP again and replace it'
          : code === OAuthError.InvalidClient || code === OAuthError.UnauthorizedClient
            ? 'check --idp-client-id and --idp-client-secret, and that the IdP lets that client use token exchange'
            : code === OAuthError.InvalidTarget || code === OAuthError.AccessDenied
              ? 'the IdP policy does not allow this MCP server for you; ask your administrator'
              : undefined,
    });
  }
  if (body.issued_token_type !== ID_JAG_TOKEN_TYPE) {
    throw new BridgeError(ErrorCode.Auth, `the enterprise IdP ${idp.issuer} answered the token exchange with a ${String(body.issued_token_type ?? 'missing')} token type, not an ID-JAG`, {
      hint: 'the IdP may not support cross-app access (Identity Assertion JWT Authorization Grants)',
    });
  }
  return body.access_token;
}

/** Validates the JWT bearer grant's token response. */
export async function processJwtBearerResponse(as: AuthorizationServer, client: ResolvedClient, response: Response): Promise<TokenEndpointResponse> {
  try {
    return await processGenericTokenEndpointResponse(as, client.client, response);
  } catch (error) {
    const code = oauthErrorCode(error);
    throw new BridgeError(ErrorCode.Auth, `the authorization server ${as.issuer} refused the ID-JAG from the enterprise IdP: ${describeOAuthError(error)}`, {
      cause: error,
      hint:
        code === OAuthError.InvalidClient
          ? 'check --client-id and its secret (--client-secret / OIDC_CLIENT_SECRET) or key (--client-key)'
          : code === OAuthError.InvalidGrant
            ? 'the server does not trust this IdP, or the ID-JAG names another client or resource; ask the server operator'
            : code === OAuthError.UnsupportedGrantType || code === OAuthError.UnauthorizedClient
              ? 'the server or this client does not accept the JWT bearer grant (cross-app access)'
              : undefined,
    });
  }
}

/** Options for {@link runCrossAppAccess}. */
export interface CrossAppAccessOptions {
  /** The MCP server's authorization server. */
  as: AuthorizationServer;
  /** The bridge's (pre-registered) client there. */
  client: ResolvedClient;
  idp: EnterpriseIdp;
  scopes: string[];
  resource: string | undefined;
  http: OAuthHttp;
  logger: Logger;
  now: () => number;
}

async function send(what: string, request: () => Promise<Response>): Promise<Response> {
  try {
    return await request();
  } catch (error) {
    if (isBridgeError(error)) throw error;
    throw new BridgeError(ErrorCode.Auth, `cannot send the ${what}: ${(error as Error).message}`, { cause: error });
  }
}

/** Both steps; see the module comment. Every token on the way is registered with the logger as a secret. */
export async function runCrossAppAccess(o: CrossAppAccessOptions): Promise<TokenEndpointResponse> {
  // The IdP is another server: no DPoP proof (the key is for the MCP server's authorization server) goes there.
  const idpHttp = { ...o.http, dpop: undefined };
  const idpAs = await discoverAuthorizationServer({ issuer: o.idp.issuer, http: idpHttp, checkPkce: false });
  o.logger.secret(o.idp.clientSecret);
  const idpClient = await preRegisteredClient(idpAs, o.idp.clientId, o.idp.clientSecret ? { secret: o.idp.clientSecret } : {});
  const idToken = await readIdToken(o.idp.idToken, o.now());
  o.logger.secret(idToken);
  const exchange = await send(`token exchange request to ${idpAs.issuer}`, () =>
    idJagRequest({ idp: idpAs, client: idpClient, idToken, audience: o.as.issuer, resource: o.resource, scopes: o.scopes, http: idpHttp }),
  );
  const idJag = await processIdJagResponse(idpAs, idpClient, exchange);
  o.logger.secret(idJag);
  o.logger.debug(`the enterprise IdP ${idpAs.issuer} issued an ID-JAG for ${o.as.issuer}`);
  const tokens = await withDPoPNonce(!!o.http.dpop, async () => {
    const grant = await send(`JWT bearer grant request to ${o.as.issuer}`, () =>
      jwtBearerRequest({ as: o.as, client: o.client, assertion: idJag, scopes: o.scopes, resource: o.resource, http: o.http }),
    );
    return processJwtBearerResponse(o.as, o.client, grant);
  });
  o.logger.secret(tokens.access_token);
  o.logger.secret(tokens.refresh_token);
  return tokens;
}

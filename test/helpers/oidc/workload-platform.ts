/**
 * Workload identity federation (SEP-1933) with real parts: a workload platform — what a Kubernetes cluster's
 * service-account issuer or a CI system's OIDC issuer is — as a small real `node:http` server that publishes its
 * OpenID configuration and JWKS and signs workload JWTs (ES256, its own key); and {@link acceptWorkloadTokens}, the
 * `setup` that teaches the MCP authorization server (the usual oidc-provider fixture) the RFC 7523 JWT bearer grant
 * for the platform's tokens: signature against the platform's JWKS, issuer, audience = the authorization server,
 * expiry; then the workload's JWT access token for the resource. Each grant is recorded (never a token).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import type { Provider } from 'oidc-provider';
import { closeAfterTest } from '../cleanup.js';
import type { OidcProviderOptions, ProviderSetupContext } from './provider.js';
import { loadOidcProvider } from './quiet.js';

export const WORKLOAD_JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** A public client at the MCP authorization server that may use the JWT bearer grant (for `--client-id`). */
export const WORKLOAD_CLIENT_ID = 'fixture-workload';
export const WORKLOAD_CLIENT: Readonly<Record<string, unknown>> = {
  client_id: WORKLOAD_CLIENT_ID,
  client_name: 'Workload',
  token_endpoint_auth_method: 'none',
  grant_types: [WORKLOAD_JWT_BEARER_GRANT],
  response_types: [],
  redirect_uris: [],
};

/** One JWT bearer grant at the authorization server (never the tokens). */
export interface WorkloadGrantRecord {
  clientId: string | undefined;
  resource: unknown;
  scope: unknown;
  /** The workload's `sub`, when the assertion verified. */
  sub?: string;
  /** `ok`, or the OAuth error answered. */
  outcome: string;
}

/** A running workload platform. */
export interface WorkloadPlatform {
  issuer: string;
  jwksUri: string;
  /** A JWT for workload `sub`, for `audience` (default: set by the caller), living `expiresIn` (default `10m`). */
  tokenFor(sub: string, options: { audience: string; expiresIn?: string | number }): Promise<string>;
  close(): Promise<void>;
}

/** Starts a platform on 127.0.0.1, closed after the test. */
export async function startWorkloadPlatform(): Promise<WorkloadPlatform> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'platform-es256', alg: 'ES256', use: 'sig' };
  let issuer = '';
  const server = createServer((req, res) => {
    const body =
      req.url === '/.well-known/openid-configuration'
        ? { issuer, jwks_uri: `${issuer}/jwks`, response_types_supported: ['id_token'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['ES256'] }
        : req.url === '/jwks'
          ? { keys: [jwk] }
          : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { error: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = closeAfterTest(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    tokenFor: (sub, o) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: jwk.kid })
        .setIssuer(issuer)
        .setSubject(sub)
        .setAudience(o.audience)
        .setIssuedAt()
        .setExpirationTime(o.expiresIn ?? '10m')
        .setJti(randomUUID())
        .sign(privateKey),
    close,
  };
}

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** The authorization server's `setup`: the JWT bearer grant for `platform`'s workload tokens, recorded in `records`. */
export function acceptWorkloadTokens(platform: Pick<WorkloadPlatform, 'issuer' | 'jwksUri'>, records: WorkloadGrantRecord[]): NonNullable<OidcProviderOptions['setup']> {
  return (provider: Provider, context: ProviderSetupContext) => {
    const keys = createRemoteJWKSet(new URL(platform.jwksUri));
    provider.registerGrantType(
      WORKLOAD_JWT_BEARER_GRANT,
      async (ctx) => {
        const { errors } = await loadOidcProvider();
        const { params = {}, client } = ctx.oidc!;
        const record: WorkloadGrantRecord = { clientId: client?.clientId, resource: params.resource, scope: params.scope, outcome: 'ok' };
        records.push(record);
        const fail = (error: Error & { error?: string }): never => {
          record.outcome = error.error ?? error.message;
          throw error;
        };
        let sub: string;
        try {
          const { payload } = await jwtVerify(str(params.assertion) ?? '', keys, { issuer: platform.issuer, audience: provider.issuer });
          sub = String(payload.sub);
        } catch (error) {
          return fail(new errors.InvalidGrant(`the assertion is not a valid workload token: ${(error as Error).message}`));
        }
        record.sub = sub;
        const resource = str(params.resource);
        if (!resource) return fail(new errors.InvalidRequest('no resource'));
        const info = context.resourceServer(resource);
        const allowed = new Set(info.scope.split(' '));
        const scope = (str(params.scope) ?? info.scope).split(' ').filter((s) => allowed.has(s)).join(' ');
        const token = new provider.AccessToken({ accountId: sub, client: client!, gty: 'jwt_bearer', ...(scope ? { scope } : {}) });
        token.resourceServer = new provider.ResourceServer(resource, { ...info });
        const value = await token.save();
        ctx.body = { access_token: value, token_type: token.tokenType, expires_in: token.expiration, ...(scope ? { scope } : {}) };
      },
      ['assertion', 'scope', 'resource'],
    );
  };
}

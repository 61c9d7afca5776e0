// The resource-server side of OAuth: check the `Authorization: Bearer` access token of each MCP request (a JWT,
// RFC 9068, validated with jose against the provider's published keys), and refuse with 401 and a
// `WWW-Authenticate` challenge (RFC 6750 §3) when it is missing or invalid.
// Standalone on purpose: like every example, this file imports nothing from test/ (the test harness has its own
// one-of-each helpers for the same jobs), so it can be read, run and copied as it is.
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';

/**
 * A token checker for tokens from `issuer` meant for `audience` (the MCP endpoint URL).
 * The keys are fetched from `<issuer>/jwks` on first use, as a separate resource server would.
 *
 * @param {{ issuer: string, jwksUri: string, audience: string }} options
 * @returns {(authorization: string | undefined) => Promise<{ ok: true, auth: object } | { ok: false, error?: string, description: string }>}
 */
export function createTokenChecker({ issuer, jwksUri, audience }) {
  const keys = createRemoteJWKSet(new URL(jwksUri));
  return async (authorization) => {
    const token = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization ?? '')?.[1];
    if (!token) return { ok: false, description: 'an access token is required' };
    try {
      const { payload } = await jwtVerify(token, keys, { issuer, audience, typ: 'at+jwt' });
      // The shape the MCP SDK passes to tools as `extra.authInfo`.
      return {
        ok: true,
        auth: {
          token,
          clientId: String(payload.client_id ?? ''),
          scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
          expiresAt: payload.exp,
          resource: new URL(audience),
          extra: { sub: payload.sub },
        },
      };
    } catch (error) {
      if (error instanceof errors.JOSEError) return { ok: false, error: 'invalid_token', description: error.message };
      throw error;
    }
  };
}

/**
 * The `WWW-Authenticate` value for a refusal. With `resourceMetadata` (spec-compliant mode) the challenge tells the
 * client where the protected-resource metadata is (RFC 9728 §5.1) and which scope to ask for; without it (bare mode)
 * it is a plain `Bearer` challenge, and the client must already know which provider to log in with.
 *
 * @param {{ error?: string, description?: string, resourceMetadata?: string, scope?: string }} challenge
 */
export function bearerChallenge({ error, description, resourceMetadata, scope }) {
  const parameters = [];
  if (error) parameters.push(`error="${error}"`, `error_description="${String(description).replace(/["\\]/g, "'")}"`);
  if (resourceMetadata) parameters.push(`resource_metadata="${resourceMetadata}"`);
  if (resourceMetadata && scope) parameters.push(`scope="${scope}"`);
  return parameters.length ? `Bearer ${parameters.join(', ')}` : 'Bearer';
}

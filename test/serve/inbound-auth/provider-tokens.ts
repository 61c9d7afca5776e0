/** Real access tokens from the provider fixture, by client credentials (RFC 6749 §4.4) for a resource (RFC 8707). */
import type { OidcProvider } from '../../helpers/oidc/index.js';

/** A JWT access token of `from` for `resource`, with `scope`. */
export async function clientCredentialsToken(from: OidcProvider, resource: string, scope = 'mcp:read mcp:write'): Promise<string> {
  const { clientId, clientSecret } = from.confidentialClient;
  const response = await fetch(`${from.issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope }),
    signal: AbortSignal.timeout(15_000),
  });
  const json = (await response.json()) as { access_token?: string; error?: string };
  if (response.status !== 200 || !json.access_token) throw new Error(`token request failed: HTTP ${response.status} ${json.error ?? ''}`);
  return json.access_token;
}

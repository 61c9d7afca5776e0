// The authorization server of the example: a real OpenID provider (`oidc-provider`), configured the way an MCP
// server's authorization server should be, and no further:
//   - discovery at <issuer>/.well-known/openid-configuration (OpenID Connect discovery, what the bridge reads),
//   - PKCE (S256) required for every client,
//   - dynamic client registration (RFC 7591) open at <issuer>/reg, so the bridge can register itself,
//   - one pre-registered public client, for "issuer mode" (`--issuer … --client-id …`),
//   - resource indicators (RFC 8707): access tokens are JWTs (RFC 9068) whose audience is the MCP endpoint,
//   - refresh tokens, so the bridge can renew access without a browser,
//   - a development login form that accepts ANY username and password (then a consent form).
// Everything lives in memory: restart the server and every login and registration is forgotten.
// Standalone on purpose: like every example, this file imports nothing from test/ (the test harness has its own
// one-of-each helpers for the same jobs), so it can be read, run and copied as it is.
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';

/** The pre-registered public client (no secret; PKCE protects it), for the bridge's issuer mode. */
export const EXAMPLE_CLIENT_ID = 'mcp-auth-bridge-example';

/** The scope this resource server defines; granted to every token issued for the MCP endpoint. */
export const MCP_SCOPE = 'mcp:tools';

/**
 * Loads oidc-provider without two start-up warnings that would only confuse here: "Unsupported runtime" (it
 * targets Node 22 and works on Node 20) and "devInteractions is a development-only feature" (this is a demo).
 */
async function quietly(action) {
  const { warn, info } = console;
  const filter = (original) => (...args) => {
    if (!/oidc-provider (WARNING|NOTICE): /.test(String(args[0]))) original.apply(console, args);
  };
  console.warn = filter(warn);
  console.info = filter(info);
  try {
    return await action();
  } finally {
    console.warn = warn;
    console.info = info;
  }
}

/**
 * Creates the provider for `issuer`, issuing access tokens for `resource` (the MCP endpoint URL).
 * Returns the provider; mount `provider.callback()` at the issuer's path.
 *
 * @param {{ issuer: string, resource: string, accessTokenTtl?: number, log?: (line: string) => void }} options
 */
export async function createProvider({ issuer, resource, accessTokenTtl = 3600, log = () => {} }) {
  const { default: Provider, errors } = await quietly(() => import('oidc-provider'));

  // Our own signing key (RS256), new at every start: tokens from an earlier run are refused, as after a key rotation.
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'example-key', alg: 'RS256', use: 'sig' };

  const configuration = {
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clients: [
      {
        client_id: EXAMPLE_CLIENT_ID,
        client_name: 'mcp-auth-bridge example client',
        application_type: 'native', // native clients may use any port on a loopback redirect URI (RFC 8252 §7.3)
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [
          'http://127.0.0.1/callback', // --redirect-url http://127.0.0.1:<any port>/callback
          'http://localhost/auth/callback', // the bridge's issuer-mode default, http://localhost:8080/auth/callback
        ],
      },
    ],
    // Scopes clients may ask for (and register with).
    scopes: ['openid', 'profile', 'email', 'offline_access', MCP_SCOPE],
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    // Every username exists: the login form's username becomes the account id (`sub`).
    async findAccount(_ctx, sub) {
      return { accountId: sub, claims: async () => ({ sub, name: sub, email: `${sub}@example.test`, email_verified: true }) };
    },
    responseTypes: ['code'], // authorization code flow only (OAuth 2.1)
    pkce: { required: () => true },
    // Refresh tokens for every client allowed the grant (by default oidc-provider wants offline_access + consent).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: { AccessToken: accessTokenTtl, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Grant: 14 * 86400, RefreshToken: 14 * 86400, Session: 86400 },
    features: {
      devInteractions: { enabled: true }, // the built-in login + consent pages (any username and password)
      registration: { enabled: true }, // RFC 7591 dynamic client registration at <issuer>/reg
      resourceIndicators: {
        enabled: true,
        // A client that names no resource still gets a token for the MCP endpoint.
        defaultResource: async () => resource,
        useGrantedResource: async () => true,
        // The one resource server this provider knows: JWT access tokens with `aud` = the MCP endpoint.
        async getResourceServerInfo(_ctx, indicator) {
          if (indicator !== resource) throw new errors.InvalidTarget(`unknown resource ${indicator} (this provider serves ${resource})`);
          return { scope: MCP_SCOPE, audience: resource, accessTokenTTL: accessTokenTtl, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
  };

  const provider = await quietly(() => new Provider(issuer, configuration));
  // A line per step of a login, so the server's log tells the story.
  provider.on('registration_create.success', (_ctx, client) => log(`provider: registered client ${client.clientId}`));
  provider.on('authorization.success', (ctx) => log(`provider: sent the browser back to ${ctx.oidc.params.redirect_uri}`));
  provider.on('grant.success', (ctx) => log(`provider: issued tokens (${ctx.oidc.params.grant_type}) to ${ctx.oidc.client?.clientId}`));
  provider.on('grant.error', (_ctx, error) => log(`provider: token request refused: ${error.message}`));
  provider.on('server_error', (_ctx, error) => log(`provider: internal error: ${error.stack ?? error}`));
  return provider;
}

// The OAuth fixtures proven end to end WITHOUT the product: oauth4webapi stands in for the bridge's auth engine and
// the SDK Client for its upstream. If these fail, auth failures elsewhere say nothing about the product.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import {
  driveLogin,
  driveLoginToCallback,
  LoginDriveError,
  startAuthStack,
  startProtectedMcpServer,
  type AuthStackOptions,
  type LoginResult,
  type OidcProvider,
  type ProtectedMcpServer,
  type WhoAmI,
} from '../helpers/oidc/index.js';

useTeardown();

const insecure = { [oauth.allowInsecureRequests]: true } as const;

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'probe', version: '0' } },
};

const postMcp = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });

async function stack(options: AuthStackOptions = {}) {
  const started = await startAuthStack(options);
  return started;
}

/** A throwaway loopback redirect target standing in for the bridge's callback server. */
async function startCallbackServer(): Promise<{ redirectUri: string; hits: string[] }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}${req.url ?? '/'}`);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<p>login complete</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTeardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { redirectUri: `http://127.0.0.1:${port}/callback`, hits };
}

/** The parameters of a `Bearer` challenge (test-side parser, independent of the fixture's formatter). */
function bearerParameters(header: string | null): Record<string, string> {
  expect(header).toMatch(/^Bearer\b/);
  return Object.fromEntries([...(header ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

interface Session {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  auth: oauth.ClientAuth;
  tokens: oauth.TokenEndpointResponse;
  login: LoginResult;
}

/**
 * What the bridge will do in discovered mode: 401 challenge → RFC 9728 metadata → RFC 8414 metadata → dynamic
 * registration of a native client → PKCE login (driven headlessly) → code exchange with `resource`.
 */
async function discoverAndLogin(mcp: ProtectedMcpServer, options: { scope?: string; user?: string } = {}): Promise<Session> {
  const unauthorized = await postMcp(mcp.url, INITIALIZE);
  expect(unauthorized.status).toBe(401);
  const challenge = bearerParameters(unauthorized.headers.get('www-authenticate'));

  const resourceUrl = new URL(mcp.url);
  const prmResponse = await oauth.resourceDiscoveryRequest(resourceUrl, insecure);
  expect(prmResponse.url).toBe(challenge.resource_metadata);
  const prm = await oauth.processResourceDiscoveryResponse(resourceUrl, prmResponse);
  const issuer = new URL(prm.authorization_servers![0]!);
  const as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
  );

  const callback = await startCallbackServer();
  const scope = options.scope ?? challenge.scope ?? 'mcp:read';
  const client = await oauth.processDynamicClientRegistrationResponse(
    await oauth.dynamicClientRegistrationRequest(
      as,
      {
        client_name: 'fixture stand-in',
        application_type: 'native',
        redirect_uris: [callback.redirectUri],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        scope: 'openid mcp:read mcp:write',
      },
      insecure,
    ),
  );
  return loginWith(as, client, oauth.None(), callback, mcp.resource, scope, options.user);
}

async function loginWith(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  auth: oauth.ClientAuth,
  callback: { redirectUri: string; hits: string[] },
  resource: string,
  scope: string,
  user = 'alice',
): Promise<Session> {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: client.client_id,
    response_type: 'code',
    redirect_uri: callback.redirectUri,
    scope,
    state,
    resource,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();

  const login = await driveLogin(url, { user });
  expect(login.status).toBe(200);
  expect(callback.hits.at(-1)).toBe(login.callbackUrl);
  const params = oauth.validateAuthResponse(as, client, new URL(login.callbackUrl), state);
  const tokens = await oauth.processAuthorizationCodeResponse(
    as,
    client,
    await oauth.authorizationCodeGrantRequest(as, client, auth, params, callback.redirectUri, verifier, {
      additionalParameters: { resource },
      ...insecure,
    }),
  );
  return { as, client, auth, tokens, login };
}

async function connectMcp(mcp: ProtectedMcpServer, accessToken: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(mcp.url), {
    requestInit: { headers: { Authorization: `Bearer ${accessToken}` } },
  });
  const client = new Client({ name: 'fixture-test', version: '0.0.0' });
  await client.connect(transport);
  onTeardown(() => client.close());
  return client;
}

async function whoami(client: Client): Promise<WhoAmI> {
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  const [content] = result.content as { type: string; text: string }[];
  return JSON.parse(content!.text) as WhoAmI;
}

const refresh = (s: Session, refreshToken: string) =>
  oauth.refreshTokenGrantRequest(s.as, s.client, s.auth, refreshToken, insecure).then((response) =>
    oauth.processRefreshTokenResponse(s.as, s.client, response),
  );

async function expectOAuthError(promise: Promise<unknown>, error: string): Promise<void> {
  const failure = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(failure).toBeInstanceOf(oauth.ResponseBodyError);
  expect((failure as oauth.ResponseBodyError).error).toBe(error);
}

const lastToken = (op: OidcProvider) => op.tokenRequests.at(-1)!;

describe('oidc fixtures', () => {
  it('discovery → dynamic registration → PKCE login → JWT for the resource → MCP whoami', async () => {
    const { provider: op, server: mcp } = await stack();
    const session = await discoverAndLogin(mcp);

    expect(session.login.pages).toEqual(['login', 'consent']);
    expect(session.login.params.get('iss')).toBe(op.issuer);
    expect(session.tokens.scope).toBe('mcp:read');
    expect(session.tokens.refresh_token).toBeTruthy(); // without offline_access
    expect(session.as.authorization_response_iss_parameter_supported).toBe(true);
    expect(session.as.code_challenge_methods_supported).toEqual(['S256']);

    const client = await connectMcp(mcp, session.tokens.access_token);
    expect(await whoami(client)).toEqual({ sub: 'alice', scopes: ['mcp:read'], clientId: session.client.client_id });
    const echoed = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(echoed.content).toEqual([{ type: 'text', text: 'hi' }]);

    expect(op.counters.authorizationRequests).toBe(1);
    expect(op.counters.registrations).toBe(1);
    expect(op.counters.tokenRequests).toEqual({ authorization_code: 1 });
    expect(op.registeredClientIds()).toEqual([session.client.client_id]);
    expect(mcp.counters.unauthorized).toBe(1);
    expect(mcp.requests.filter((r) => r.path === '/mcp' && r.authorization).every((r) => r.sub === 'alice')).toBe(true);
    expect(JSON.stringify(mcp.requests)).not.toContain(session.tokens.access_token);
  });

  it('rotates refresh tokens: the old one is refused, and presenting it again revokes the grant', async () => {
    const { provider: op, server: mcp } = await stack();
    const session = await discoverAndLogin(mcp);
    const first = session.tokens.refresh_token!;

    const rotated = await refresh(session, first);
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(first);
    expect(await whoami(await connectMcp(mcp, rotated.access_token))).toMatchObject({ sub: 'alice' });

    await expectOAuthError(refresh(session, first), 'invalid_grant');
    expect(lastToken(op).errorDetail).toBe('refresh token already used');
    // Reuse detection revoked the whole grant: the newest refresh token is dead too.
    await expectOAuthError(refresh(session, rotated.refresh_token!), 'invalid_grant');
    expect(op.counters.refreshTokenRequests).toBe(3);
  });

  it('answers 401 with resource_metadata and scope, serves RFC 9728 metadata, and refuses bad tokens', async () => {
    const { provider: op, server: mcp } = await stack();
    const response = await postMcp(mcp.url, INITIALIZE);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer scope="mcp:read", resource_metadata="${mcp.resourceMetadataUrl}"`,
    );
    expect(mcp.resourceMetadataUrl).toBe(`http://127.0.0.1:${mcp.port}/.well-known/oauth-protected-resource/mcp`);
    for (const url of [mcp.resourceMetadataUrl, `http://127.0.0.1:${mcp.port}/.well-known/oauth-protected-resource`]) {
      expect(await (await fetch(url)).json()).toMatchObject({
        resource: mcp.resource,
        authorization_servers: [op.issuer],
        scopes_supported: ['mcp:read', 'mcp:write'],
      });
    }

    const forged = await postMcp(mcp.url, INITIALIZE, { authorization: 'Bearer not.a.jwt' });
    expect(forged.status).toBe(401);
    expect(bearerParameters(forged.headers.get('www-authenticate'))).toMatchObject({
      error: 'invalid_token',
      resource_metadata: mcp.resourceMetadataUrl,
    });
    expect(mcp.counters.unauthorized).toBe(2);
    expect(mcp.requests.at(-1)).toMatchObject({ authorization: true, status: 401, tokenError: 'ERR_JWS_INVALID' });
  });

  it('answers 403 insufficient_scope for admin, and a step-up login with the same browser session fixes it', async () => {
    const { server: mcp } = await stack();
    const session = await discoverAndLogin(mcp);
    const client = await connectMcp(mcp, session.tokens.access_token);
    await expect(client.callTool({ name: 'admin', arguments: {} })).rejects.toMatchObject({ code: 403 });
    expect(mcp.counters.forbidden).toBe(1);

    const probe = await oauth
      .protectedResourceRequest(
        session.tokens.access_token,
        'POST',
        new URL(mcp.url),
        new Headers({ 'content-type': 'application/json', accept: 'application/json, text/event-stream' }),
        JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'admin', arguments: {} } }),
        insecure,
      )
      .catch((e: unknown) => e);
    expect(probe).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    const [challenge] = (probe as oauth.WWWAuthenticateChallengeError).cause;
    expect(challenge).toMatchObject({
      scheme: 'bearer',
      parameters: { error: 'insufficient_scope', scope: 'mcp:read mcp:write', resource_metadata: mcp.resourceMetadataUrl },
    });

    const callback = { redirectUri: new URL(session.login.callbackUrl).href.split('?')[0]!, hits: [] as string[] };
    const stepUp = await loginWithJar(session, callback, mcp.resource, 'mcp:read mcp:write');
    expect(stepUp.pages).toEqual(['consent']); // signed in already: only the new scope needs consent
    const upgraded = await connectMcp(mcp, stepUp.accessToken);
    expect((await upgraded.callTool({ name: 'admin', arguments: {} })).content).toEqual([{ type: 'text', text: 'admin ok' }]);
  });

  it('advertise: false answers a bare Bearer 401, serves no metadata, and still accepts the issuer tokens', async () => {
    const { provider: op, server: mcp } = await stack({ server: { advertise: false } });
    const response = await postMcp(mcp.url, INITIALIZE);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect((await fetch(mcp.resourceMetadataUrl)).status).toBe(404);

    // Issuer mode: the client is told the issuer and uses the pre-registered public client.
    const issuer = new URL(op.issuer);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    const callback = await startCallbackServer();
    const client: oauth.Client = { client_id: op.publicClient.clientId, token_endpoint_auth_method: 'none' };
    const session = await loginWith(as, client, oauth.None(), callback, mcp.resource, 'openid mcp:read', 'bob');
    expect(session.tokens.id_token).toBeTruthy();
    expect(await whoami(await connectMcp(mcp, session.tokens.access_token))).toMatchObject({ sub: 'bob' });
  });

  it('short-lived access tokens expire (401 invalid_token) and a refresh brings a working one', async () => {
    const { server: mcp } = await stack({ provider: { accessTokenTtlSeconds: 1 } });
    const session = await discoverAndLogin(mcp);
    expect(session.tokens.expires_in).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    const expired = await postMcp(mcp.url, INITIALIZE, { authorization: `Bearer ${session.tokens.access_token}` });
    expect(expired.status).toBe(401);
    expect(bearerParameters(expired.headers.get('www-authenticate')).error).toBe('invalid_token');
    expect(mcp.requests.at(-1)?.tokenError).toBe('ERR_JWT_EXPIRED');

    // The renewed token lives 1 s too, counted in whole seconds (exp = iat + 1, iat rounded down): one issued late in
    // a second is dead at the next one. So refresh just after a second begins and check at once with one request; on a
    // loaded machine that can still miss, so try again (bounded) with the rotated refresh token, and accept only an
    // expired token as the reason for a miss.
    let refreshToken = session.tokens.refresh_token!;
    let status = 0;
    for (let attempt = 0; attempt < 3 && status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 1_005 - (Date.now() % 1_000)));
      const renewed = await refresh(session, refreshToken);
      refreshToken = renewed.refresh_token!;
      const fresh = await postMcp(mcp.url, INITIALIZE, { authorization: `Bearer ${renewed.access_token}` });
      status = fresh.status;
      if (status !== 200) expect(mcp.requests.at(-1)?.tokenError).toBe('ERR_JWT_EXPIRED');
    }
    expect(status).toBe(200);
    expect(mcp.requests.at(-1)?.sub).toBe('alice');
  });

  it('serves https client ID metadata documents from memory (CIMD)', async () => {
    const { provider: op, server: mcp } = await stack();
    const callback = await startCallbackServer();
    const clientId = 'https://bridge.example.test/client-metadata.json';
    op.metadataDocuments.set(clientId, {
      client_id: clientId,
      client_name: 'CIMD client',
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
    const issuer = new URL(op.issuer);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    expect(as.client_id_metadata_document_supported).toBe(true);

    const session = await loginWith(as, { client_id: clientId }, oauth.None(), callback, mcp.resource, 'mcp:read');
    expect(await whoami(await connectMcp(mcp, session.tokens.access_token))).toMatchObject({ clientId });
    expect(op.metadataDocuments.fetched).toContain(clientId);
    expect(op.counters.registrations).toBe(0);
  });

  it('denies, stops before the callback, forgets clients and revokes grants on demand', async () => {
    const { provider: op, server: mcp } = await stack();
    const session = await discoverAndLogin(mcp);
    const callback = await startCallbackServer();
    const authorize = async (clientId: string) => {
      const url = new URL(session.as.authorization_endpoint!);
      url.search = new URLSearchParams({
        client_id: clientId,
        response_type: 'code',
        redirect_uri: callback.redirectUri,
        scope: 'mcp:read',
        state: 'st-1',
        resource: mcp.resource,
        code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
        code_challenge_method: 'S256',
      }).toString();
      return url;
    };
    const publicClient = op.publicClient.clientId;

    const denied = await driveLogin(await authorize(publicClient), { deny: 'consent' });
    expect(denied.params.get('error')).toBe('access_denied');
    expect(denied.params.get('iss')).toBe(op.issuer);
    expect(denied.pages).toEqual(['login', 'consent']);
    const cancelled = await driveLoginToCallback(await authorize(publicClient), { deny: 'login' });
    expect(cancelled.params.get('error')).toBe('access_denied');
    expect(cancelled.pages).toEqual(['login']);

    const stopped = await driveLoginToCallback(await authorize(publicClient));
    expect(stopped.params.get('code')).toBeTruthy();
    expect(callback.hits).toEqual([denied.callbackUrl]); // the second redirect was not delivered

    // The refresh token still works until the grants are revoked.
    const rotated = await refresh(session, session.tokens.refresh_token!);
    expect(op.revokeAllGrants()).toBeGreaterThanOrEqual(1);
    await expectOAuthError(refresh(session, rotated.refresh_token!), 'invalid_grant');

    expect(op.forgetClient(session.client.client_id)).toBe(true);
    expect(op.registeredClientIds()).toEqual([]);
    const forgotten = await driveLoginToCallback(await authorize(session.client.client_id)).catch((e: unknown) => e);
    expect(forgotten).toBeInstanceOf(LoginDriveError);
    expect((forgotten as LoginDriveError).error).toBe('invalid_client');
  });

  it('requires PKCE (unless told not to) and, once told, accepts only the listed resource indicators', async () => {
    const { provider: op, server: mcp } = await stack();
    const callback = await startCallbackServer();
    const request = (issuer: string, extra: Record<string, string>) =>
      `${issuer}/auth?${new URLSearchParams({
        client_id: op.publicClient.clientId,
        response_type: 'code',
        redirect_uri: callback.redirectUri,
        scope: 'mcp:read',
        state: 's',
        ...extra,
      })}`;
    const pkce = { code_challenge: await oauth.calculatePKCECodeChallenge('v'.repeat(43)), code_challenge_method: 'S256' };

    const noPkce = await driveLoginToCallback(request(op.issuer, { resource: mcp.resource }));
    expect(noPkce.params.get('error')).toBe('invalid_request');
    expect(noPkce.pages).toEqual([]);

    op.resources.add(mcp.resource);
    const elsewhere = await driveLoginToCallback(request(op.issuer, { resource: 'http://127.0.0.1:9/other', ...pkce }));
    expect(elsewhere.params.get('error')).toBe('invalid_target');
    const listed = await driveLoginToCallback(request(op.issuer, { resource: mcp.resource, ...pkce }));
    expect(listed.params.get('code')).toBeTruthy();

    const { provider: lax } = await stack({ provider: { pkceRequired: false } });
    const optional = await driveLoginToCallback(request(lax.issuer, { resource: mcp.resource }));
    expect(optional.params.get('code')).toBeTruthy();
  });

  it('misbehaves on request: wrong metadata resource and servers, root-only metadata, challenge without parameters', async () => {
    const { provider: op } = await stack();
    const wrong = await startProtectedMcpServer({
      issuer: op.issuer,
      metadata: { resource: 'http://127.0.0.1:9/elsewhere', authorizationServers: ['http://127.0.0.1:9'], locations: ['root'] },
      challenge: { resourceMetadata: false, scope: false },
    });

    const response = await postMcp(wrong.url, INITIALIZE);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect((await fetch(wrong.resourceMetadataUrl)).status).toBe(404);
    const root = await fetch(`http://127.0.0.1:${wrong.port}/.well-known/oauth-protected-resource`);
    expect(await root.clone().json()).toMatchObject({ authorization_servers: ['http://127.0.0.1:9'] });
    await expect(oauth.processResourceDiscoveryResponse(new URL(wrong.url), root)).rejects.toThrow(/resource/);
    expect(wrong.counters.metadataRequests).toBe(2);
  });

  it('issues client-credentials JWTs for the resource to the confidential client; device flow is advertised', async () => {
    const { provider: op, server: mcp } = await stack();
    const issuer = new URL(op.issuer);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    expect(as.device_authorization_endpoint).toBe(`${op.issuer}/device/auth`);
    const client: oauth.Client = { client_id: op.confidentialClient.clientId };
    const tokens = await oauth.processClientCredentialsResponse(
      as,
      client,
      await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(op.confidentialClient.clientSecret),
        { scope: 'mcp:read', resource: mcp.resource },
        insecure,
      ),
    );
    expect(await whoami(await connectMcp(mcp, tokens.access_token))).toEqual({
      sub: op.confidentialClient.clientId,
      scopes: ['mcp:read'],
      clientId: op.confidentialClient.clientId,
    });
    expect(op.counters.tokenRequests).toEqual({ client_credentials: 1 });
  });
});

/** A second login for the same client reusing the first login's provider session (cookie jar). */
async function loginWithJar(
  session: Session,
  callback: { redirectUri: string },
  resource: string,
  scope: string,
): Promise<{ pages: string[]; accessToken: string }> {
  const verifier = oauth.generateRandomCodeVerifier();
  const url = new URL(session.as.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: session.client.client_id,
    response_type: 'code',
    redirect_uri: callback.redirectUri,
    scope,
    state: 'step-up',
    resource,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  const login = await driveLogin(url, { jar: session.login.jar });
  const params = oauth.validateAuthResponse(session.as, session.client, new URL(login.callbackUrl), 'step-up');
  const tokens = await oauth.processAuthorizationCodeResponse(
    session.as,
    session.client,
    await oauth.authorizationCodeGrantRequest(session.as, session.client, session.auth, params, callback.redirectUri, verifier, {
      additionalParameters: { resource },
      ...insecure,
    }),
  );
  return { pages: login.pages, accessToken: tokens.access_token };
}

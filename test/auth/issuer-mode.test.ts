// Issuer mode: a server that only validates tokens (bare `WWW-Authenticate: Bearer`, no protected-resource metadata)
// and a provider named by the user with --issuer / OIDC_ISSUER_URL and a pre-registered client. Also: without an
// issuer, such a server must give an error that tells the user to pass --issuer.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { authArgs, connectWithLogin, freePort, tempDir, whoami } from '../helpers/auth-bridge.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startOidcProvider, startProtectedMcpServer, type OidcProviderOptions } from '../helpers/oidc/index.js';
import { storedLogins } from '../helpers/auth-secrets.js';
import { initializeOutcome } from '../helpers/outcomes.js';

useTeardown();

/** A provider and a server that never advertises it. */
async function bareStack(options: OidcProviderOptions = {}) {
  const provider = await startOidcProvider(options);
  const server = await startProtectedMcpServer({ issuer: provider.issuer, advertise: false });
  return { provider, server };
}

describe('issuer mode', () => {
  it('--issuer, --client-id, --redirect-url and --scopes log in with the pre-registered public client', async () => {
    const { provider, server } = await bareStack();
    const redirect = `http://127.0.0.1:${await freePort()}/callback`;
    const { bridge, login } = await connectWithLogin({
      url: server.url,
      configDir: tempDir(),
      args: ['--issuer', provider.issuer, '--client-id', provider.publicClient.clientId, '--redirect-url', redirect, '--scopes', 'openid mcp:read'],
    });
    expect(login.status).toBe(200);
    const url = new URL(bridge.loginUrls()[0]!);
    expect(url.searchParams.get('client_id')).toBe(provider.publicClient.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe(redirect);
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'mcp:read']));
    const me = await whoami(bridge);
    expect(me).toMatchObject({ sub: 'alice', clientId: provider.publicClient.clientId });
    expect(provider.counters.registrations).toBe(0);
    expect(provider.counters.authorizationRequests).toBe(1);
  });

  it('OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_REDIRECT_URL and OIDC_SCOPES do the same from the environment', async () => {
    const { provider, server } = await bareStack();
    const redirect = `http://127.0.0.1:${await freePort()}/callback`;
    const { bridge } = await connectWithLogin({
      url: server.url,
      configDir: tempDir(),
      env: {
        OIDC_ISSUER_URL: provider.issuer,
        OIDC_CLIENT_ID: provider.publicClient.clientId,
        OIDC_REDIRECT_URL: redirect,
        OIDC_SCOPES: 'openid,mcp:read',
      },
    });
    const url = new URL(bridge.loginUrls()[0]!);
    expect(url.searchParams.get('client_id')).toBe(provider.publicClient.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe(redirect);
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'mcp:read']));
    expect((await whoami(bridge)).sub).toBe('alice');
    expect(provider.counters.authorizationRequests).toBe(1);
    expect(provider.counters.registrations).toBe(0);
  });

  it('a confidential client authenticates with the secret from OIDC_CLIENT_SECRET (never logged, even with --debug)', async () => {
    const { provider, server } = await bareStack();
    const redirect = `http://127.0.0.1:${await freePort()}/callback`;
    const { bridge } = await connectWithLogin({
      url: server.url,
      configDir: tempDir(),
      args: ['--issuer', provider.issuer, '--redirect-url', redirect, '--scopes', 'openid mcp:read', '--debug'],
      env: { OIDC_CLIENT_ID: provider.confidentialClient.clientId, OIDC_CLIENT_SECRET: provider.confidentialClient.clientSecret },
    });
    expect((await whoami(bridge)).clientId).toBe(provider.confidentialClient.clientId);
    const exchange = provider.tokenRequests.find((t) => t.grantType === 'authorization_code');
    expect(exchange).toMatchObject({ status: 200, clientId: provider.confidentialClient.clientId });
    expect(bridge.stderr()).not.toContain(provider.confidentialClient.clientSecret);
  });

  it('refreshes an expired token in issuer mode with the confidential client, without a login', async () => {
    const { provider, server } = await bareStack({ accessTokenTtlSeconds: 3 });
    const redirect = `http://127.0.0.1:${await freePort()}/callback`;
    const configDir = tempDir();
    const { bridge } = await connectWithLogin({
      url: server.url,
      configDir,
      args: ['--issuer', provider.issuer, '--redirect-url', redirect, '--scopes', 'openid mcp:read'],
      env: { OIDC_CLIENT_ID: provider.confidentialClient.clientId, OIDC_CLIENT_SECRET: provider.confidentialClient.clientSecret },
    });
    expect((await whoami(bridge)).sub).toBe('alice');
    const expiresAt = Number(storedLogins(configDir)[0]!.json.metadata.expiresAt);
    await sleep(Math.max(0, expiresAt - Date.now() + 500));
    expect((await whoami(bridge)).sub).toBe('alice');
    const refreshes = provider.tokenRequests.filter((t) => t.grantType === 'refresh_token');
    expect(refreshes.map((t) => [t.status, t.clientId])).toEqual([[200, provider.confidentialClient.clientId]]);
    expect(provider.counters.authorizationRequests).toBe(1);
    expect(JSON.stringify(storedLogins(configDir))).not.toContain(provider.confidentialClient.clientSecret);
  });

  it('without --issuer, a server that only answers a bare 401 gives an error that says to pass --issuer', async () => {
    const { provider, server } = await bareStack();
    const raw = spawnBridgeRaw([...authArgs(tempDir()), '--no-browser', server.url]);
    const end = await initializeOutcome(raw, 20_000);
    expect(end.kind).toBe('error');
    if (end.kind !== 'error') return;
    expect(end.message).toContain('--issuer');
    expect(end.message).toContain('127.0.0.1');
    expect(provider.counters.authorizationRequests).toBe(0);
    expect(raw.exitStatus()).toBeUndefined(); // still serving the client
  });

  // Regression: issuer mode sent `resource` (the server's URL) although the server declared no resource identifier;
  // providers that honour RFC 8707 then issue tokens for an audience the server does not check, and Entra refuses it.
  // The refresh request is checked in-process on a fake clock (refresh-on-fake-clock.test.ts).
  it('sends no resource parameter (authorization and token requests) unless --resource is given', async () => {
    const { provider, server } = await bareStack();
    const configDir = tempDir();
    const args = ['--issuer', provider.issuer, '--client-id', provider.publicClient.clientId, '--redirect-url', `http://127.0.0.1:${await freePort()}/callback`, '--scopes', 'openid mcp:read'];
    const { bridge } = await connectWithLogin({ url: server.url, configDir, args });
    expect(new URL(bridge.loginUrls()[0]!).searchParams.has('resource')).toBe(false);
    expect((await whoami(bridge)).sub).toBe('alice');
    const tokenCalls = provider.requests.filter((r) => r.route === 'token');
    expect(tokenCalls.length).toBeGreaterThanOrEqual(1);
    for (const call of tokenCalls) expect(call.params).not.toContain('resource');
    expect(storedLogins(configDir)[0]!.json.metadata.resource).toBe(server.url); // still keyed by the server
    await bridge.close();

    // With --resource it is sent.
    const withResource = await connectWithLogin({ url: server.url, configDir: tempDir(), args: [...args, '--resource', server.url] });
    expect(new URL(withResource.bridge.loginUrls()[0]!).searchParams.get('resource')).toBe(server.url);
    const exchange = provider.requests.filter((r) => r.route === 'token').at(-1)!;
    expect(exchange.params).toContain('resource');
  });
});

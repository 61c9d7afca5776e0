// First login against the MCP Python SDK's own authorization server (mcp.server.auth, SDK 2.3.0), the real thing
// behind the finding "first login fails against the Python SDK's and fastmcp's authorization servers": the bridge
// registered as a client_secret_basic client, its token request carried no client_id in the body, the server answered
// invalid_client, and the bridge registered again and opened a second browser login that failed the same way.
// Here the SDK's routes (/register, /authorize, /token, RFC 8414 metadata, and RFC 9728 metadata when the server has
// a resource URL) run over an in-memory provider (test/fixtures/python/auth_server.py), and the real built CLI logs
// in: one registration, one authorization, the method the server's metadata makes right, a tool call with the token,
// the login reused by the next run, refreshed when the access token has run out, and a new registration and login
// (one each) when the restarted server has forgotten its clients; over Streamable HTTP and legacy SSE.
import { beforeAll, describe, expect, it } from 'vitest';
import { connectWithLogin, connectWithoutLogin, tempDir, whoami } from '../helpers/auth-bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { FakeClock, inProcessAuthorizer } from '../helpers/in-process-authorizer.js';
import {
  pythonWithMcp,
  startPythonAuthServer,
  type PythonAuthDiscovery,
  type PythonAuthRequest,
  type PythonAuthServer,
  type PythonAuthServerOptions,
  type PythonAuthTransport,
} from '../helpers/python.js';
import { waitFor } from '../helpers/wait.js';

useTeardown();

beforeAll(async () => {
  await pythonWithMcp();
}, 10 * 60_000);

async function pythonAuthServer(options: PythonAuthServerOptions): Promise<PythonAuthServer> {
  const server = await startPythonAuthServer(options);
  onTeardown(() => server.close());
  return server;
}

const isRoute = (method: string, path: string) => (r: PythonAuthRequest) => r.method === method && r.path === path;

/** The method RFC 8252 and the server's RFC 8414 metadata make right: `none` when listed, else `_post`, else basic. */
async function expectedAuthMethod(server: PythonAuthServer): Promise<string> {
  const metadata = (await (await fetch(`${server.origin}/.well-known/oauth-authorization-server`)).json()) as {
    token_endpoint_auth_methods_supported?: string[];
  };
  const listed = metadata.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  return ['none', 'client_secret_post', 'client_secret_basic'].find((m) => listed.includes(m))!;
}

describe('first login against the Python SDK authorization server', () => {
  it.each<[string, PythonAuthDiscovery, PythonAuthTransport]>([
    ['Streamable HTTP, found through RFC 9728 protected-resource metadata (resource URL set)', 'prm', 'streamable-http'],
    ['Streamable HTTP, found the 2025-03-26 way (no resource URL, no protected-resource metadata)', 'legacy', 'streamable-http'],
    ['legacy SSE, found through RFC 9728 protected-resource metadata', 'prm', 'sse'],
    ['legacy SSE, found the 2025-03-26 way', 'legacy', 'sse'],
  ])('%s: one registration, one authorization, client_id in the token request, the tool call succeeds', async (_label, discovery, transport) => {
    const server = await pythonAuthServer({ discovery, transport });
    const { bridge } = await connectWithLogin({ url: server.url, configDir: tempDir() });
    const me = await whoami(bridge);

    const state = await server.state();
    const requests = state.requests;
    const registrations = requests.filter(isRoute('POST', '/register'));
    const authorizations = requests.filter(isRoute('GET', '/authorize'));
    const tokenRequests = requests.filter(isRoute('POST', '/token'));
    expect(registrations.map((r) => r.status)).toEqual([201]);
    expect(authorizations).toHaveLength(1);
    expect(bridge.loginUrls()).toHaveLength(1);
    expect(tokenRequests.filter((r) => r.status === 401)).toEqual([]);
    expect(tokenRequests.every((r) => r.clientIdInBody)).toBe(true);
    const codeExchanges = tokenRequests.filter((r) => r.grantType === 'authorization_code');
    expect(codeExchanges.map((r) => r.status)).toEqual([200]);

    const clientIds = Object.keys(state.clients);
    expect(clientIds).toHaveLength(1);
    const client = state.clients[clientIds[0]!]!;
    // The SDK lists client_secret_post and client_secret_basic (not none): _post is what it should get.
    expect(client.tokenEndpointAuthMethod).toBe(await expectedAuthMethod(server));
    expect(client.tokenEndpointAuthMethod).toBe('client_secret_post');
    expect(codeExchanges[0]).toMatchObject({ secretInBody: true, basic: false });

    expect(me.sub).toBe('alice');
    expect(me.clientId).toBe(clientIds[0]);
    expect(me.scopes).toContain('mcp');

    const prmPath = `/.well-known/oauth-protected-resource${new URL(server.url).pathname}`;
    if (discovery === 'prm') {
      expect(requests.find(isRoute('GET', prmPath))?.status).toBe(200);
      // The server refuses tokens not issued for /mcp, so the call above proves the resource indicator (RFC 8707).
      expect(codeExchanges[0]!.resource).toBe(server.url);
    } else {
      expect(requests.filter(isRoute('GET', prmPath)).every((r) => r.status === 404)).toBe(true);
    }
    expect(requests.find(isRoute('GET', '/.well-known/oauth-authorization-server'))?.status).toBe(200);
  });

  it('a second run reuses the stored login: no registration, no authorization, no token request', async () => {
    const server = await pythonAuthServer({ discovery: 'prm' });
    const configDir = tempDir();
    const first = await connectWithLogin({ url: server.url, configDir, label: 'first run' });
    const { clientId } = await whoami(first.bridge);
    await first.bridge.close();
    const seen = (await server.state()).requests.length;

    const second = await connectWithoutLogin({ url: server.url, configDir, label: 'second run' });
    expect((await whoami(second)).clientId).toBe(clientId);
    const later = (await server.state()).requests.slice(seen);
    expect(later.filter((r) => ['/register', '/authorize', '/token'].includes(r.path))).toEqual([]);
    expect(later.filter((r) => r.path === '/mcp' && r.status === 401)).toEqual([]);
    expect(second.loginUrls()).toEqual([]);
  });

  it.each<PythonAuthTransport>(['streamable-http', 'sse'])('%s: an access token that ran out is refreshed in the running bridge, with client_id in the body', async (transport) => {
    const seconds = 3;
    const server = await pythonAuthServer({ discovery: 'prm', accessTokenSeconds: seconds, transport });
    const configDir = tempDir();
    const first = await connectWithLogin({ url: server.url, configDir, label: 'first run' });
    const loggedInAt = Date.now();
    const { clientId } = await whoami(first.bridge);

    await waitFor('the first access token to run out', () => Date.now() > loggedInAt + (seconds + 1) * 1000, { timeoutMs: 30_000, intervalMs: 100 });
    expect((await whoami(first.bridge)).clientId).toBe(clientId);
    const refreshes = async () => (await server.state()).requests.filter((r) => r.path === '/token' && r.grantType === 'refresh_token');
    expect((await refreshes()).length).toBeGreaterThanOrEqual(1);

    const state = await server.state();
    for (const r of await refreshes()) expect(r).toMatchObject({ status: 200, clientIdInBody: true, secretInBody: true, basic: false, resource: server.url });
    expect(state.requests.filter(isRoute('POST', '/register'))).toHaveLength(1);
    expect(state.requests.filter(isRoute('GET', '/authorize'))).toHaveLength(1);
  }, 60_000);

  // The next run on an expired stored login, in-process on a fake clock (test/helpers/in-process-authorizer.ts): the
  // Authorizer built as the command builds it, the clock moved past the token's end instead of sleeping through it.
  it('the next run on an expired stored login refreshes it, with client_id in the body, and never logs in again', async () => {
    const server = await pythonAuthServer({ discovery: 'prm' });
    const configDir = tempDir();
    const clock = new FakeClock();
    const input = { url: server.url, tokenStore: 'file', configDir };
    const summary = await (await inProcessAuthorizer({ input, clock })).loginNow();
    expect(summary.hasRefreshToken).toBe(true);
    const refreshes = async () => (await server.state()).requests.filter((r) => r.path === '/token' && r.grantType === 'refresh_token');
    expect(await refreshes()).toEqual([]);

    clock.setTo(summary.expiresAt! + 600);
    const next = await inProcessAuthorizer({ input, clock });
    await next.authorizer.preload();
    const token = await next.authorizer.accessToken();
    expect(await next.accepted(token)).toBe(true);
    const done = await refreshes();
    expect(done).toHaveLength(1);
    for (const r of done) expect(r).toMatchObject({ status: 200, clientIdInBody: true, secretInBody: true, basic: false, resource: server.url });
    const state = await server.state();
    expect(state.requests.filter(isRoute('POST', '/register'))).toHaveLength(1);
    expect(state.requests.filter(isRoute('GET', '/authorize'))).toHaveLength(1);
  });

  it('a restarted server that forgot its clients (in-memory provider) gets one new registration and one new login', async () => {
    const first = await pythonAuthServer({ discovery: 'prm' });
    const configDir = tempDir();
    const run1 = await connectWithLogin({ url: first.url, configDir, label: 'first run' });
    const { clientId: oldClient } = await whoami(run1.bridge);
    await run1.bridge.close();
    await first.close();

    const restarted = await pythonAuthServer({ discovery: 'prm', port: first.port });
    const run2 = await connectWithLogin({ url: restarted.url, configDir, label: 'run after the restart' });
    const { clientId: newClient } = await whoami(run2.bridge);
    expect(newClient).not.toBe(oldClient);
    expect(run2.bridge.loginUrls()).toHaveLength(1);

    const state = await restarted.state();
    expect(state.requests.filter(isRoute('POST', '/register')).map((r) => r.status)).toEqual([201]);
    expect(state.requests.filter(isRoute('GET', '/authorize'))).toHaveLength(1);
    expect(Object.keys(state.clients)).toEqual([newClient]);
    // The old refresh token went to the server only with its own client; the new login's exchange authenticated.
    const tokens = state.requests.filter(isRoute('POST', '/token'));
    expect(tokens.every((r) => r.clientIdInBody)).toBe(true);
    expect(tokens.filter((r) => r.status === 401).map((r) => r.grantType)).toEqual(['refresh_token']);
    expect(tokens.filter((r) => r.grantType === 'authorization_code').map((r) => r.status)).toEqual([200]);
  }, 60_000);
});

// examples/protected-server: started as its README says (`node examples/protected-server/server.mjs`), in both
// modes, checked from the outside (what a spec-following client reads), then logged in to through the real bridge
// with the exact command the server prints. The logins are driven by the test's own login driver, not the
// example's, so the example's provider is checked independently of its demo.
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { connectWithLogin, connectWithoutLogin, freePort, tempDir, type AuthBridge } from '../helpers/auth-bridge.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { initializeOutcome } from '../helpers/outcomes.js';
import { withTimeout } from '../helpers/wait.js';
import { startProtectedExample, type ExampleWhoAmI, type ProtectedExample } from './helpers.js';

useTeardown();

async function whoami(bridge: AuthBridge): Promise<ExampleWhoAmI> {
  const result = await withTimeout('tools/call whoami', bridge.client.callTool({ name: 'whoami', arguments: {} }), 15_000);
  const content = result.content as { type: string; text: string }[];
  expect(result.isError).toBeFalsy();
  return JSON.parse(content[0]!.text) as ExampleWhoAmI;
}

/** The printed bridge command as options (everything but the URL) and the URL. */
function printed(server: ProtectedExample): { args: string[]; url: string } {
  return { args: server.bridgeArgs.slice(0, -1), url: server.bridgeArgs.at(-1)! };
}

/** Whether a loopback port can be bound right now on both 127.0.0.1 and ::1 (the bridge binds both for localhost). */
async function portFree(port: number): Promise<boolean> {
  for (const host of ['127.0.0.1', '::1']) {
    const probe = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRNOTAVAIL' || error.code === 'EAFNOSUPPORT'));
      probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
    });
    if (!ok) return false;
  }
  return true;
}

describe('protected example, spec-compliant mode', () => {
  it('prints its URLs and the bridge command, and advertises everything a client needs to discover the login', async () => {
    const server = await startProtectedExample();
    expect(server.mcpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(server.issuer).toBe(server.mcpUrl.replace(/\/mcp$/, '/oidc'));
    expect(server.bridgeArgs).toEqual([server.mcpUrl]);
    expect(server.stdout()).toContain(`npx -y mcp-auth-bridge ${server.mcpUrl}`);

    // 401 with an RFC 9728 challenge.
    const unauthorized = await fetch(server.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unauthorized.status).toBe(401);
    const metadataUrl = `${new URL(server.mcpUrl).origin}/.well-known/oauth-protected-resource/mcp`;
    expect(unauthorized.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${metadataUrl}", scope="mcp:tools"`);

    // The protected-resource metadata names this resource and the issuer.
    const metadata = (await (await fetch(metadataUrl)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ resource: server.mcpUrl, authorization_servers: [server.issuer] });

    // The provider: issuer under /oidc, PKCE S256, dynamic registration, RFC 9207 iss.
    const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer: server.issuer,
      code_challenge_methods_supported: ['S256'],
      registration_endpoint: `${server.issuer}/reg`,
      authorization_response_iss_parameter_supported: true,
    });

    // A forged token is refused with invalid_token, still pointing at the metadata.
    const forged = await fetch(server.mcpUrl, { method: 'POST', headers: { authorization: 'Bearer abc.def.ghi', 'content-type': 'application/json' }, body: '{}' });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="[^"]*", resource_metadata="/);
  });

  it('the printed command logs in through the real bridge (discovery, dynamic registration, PKCE), then calls the tools', async () => {
    const server = await startProtectedExample();
    const { args, url } = printed(server);
    const configDir = tempDir();
    const { bridge, login } = await connectWithLogin({ url, configDir, args }, { user: 'alice' });
    expect(login.status).toBe(200);
    expect(login.pages).toEqual(['login', 'consent']);

    const { tools } = await bridge.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['echo', 'time', 'whoami']);
    const me = await whoami(bridge);
    expect(me.sub).toBe('alice');
    expect(me.scopes).toContain('mcp:tools');
    expect(me.client_id).not.toBe('mcp-auth-bridge-example'); // dynamically registered
    const echoed = await bridge.client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(echoed.content).toEqual([{ type: 'text', text: 'hi' }]);
    expect(server.stderr()).toContain(`provider: registered client ${me.client_id}`);
    await bridge.close();

    // A second bridge uses the stored login.
    const again = await connectWithoutLogin({ url, configDir, args, label: 'second bridge' });
    expect((await whoami(again)).sub).toBe('alice');
    expect(again.loginUrls()).toEqual([]);
  });

  it('--token-ttl: the bridge refreshes an expired access token without a new login', async () => {
    const server = await startProtectedExample(['--token-ttl', '2']);
    const { args, url } = printed(server);
    const { bridge } = await connectWithLogin({ url, configDir: tempDir(), args });
    const first = await whoami(bridge);
    await sleep(Math.max(0, Date.parse(first.expires_at) - Date.now()) + 1_200);
    const second = await whoami(bridge);
    expect(second.sub).toBe(first.sub);
    expect(Date.parse(second.expires_at)).toBeGreaterThan(Date.parse(first.expires_at));
    expect(bridge.loginUrls()).toHaveLength(1);
    expect(server.stderr()).toContain('provider: issued tokens (refresh_token)');
  });

  // Regression: a bridge starting with a stored access token the server no longer accepts (the example restarted:
  // new signing key, clients and grants forgotten) used to send initialize without a token, get 401, adopt the
  // stored token, replay, get 401 invalid_token, and fail initialize ("server answered HTTP 401 … signature
  // verification failed") instead of logging in again — until the stored token's own expiry.
  it('after the server restarts, a new bridge with a stored, now refused login logs in again', async () => {
    const first = await startProtectedExample();
    const { args, url } = printed(first);
    const configDir = tempDir();
    const before = await connectWithLogin({ url, configDir, args });
    expect((await whoami(before.bridge)).sub).toBe('alice');
    await before.bridge.close();
    await first.stop();

    const restarted = await startProtectedExample(['--port', String(new URL(url).port)]);
    expect(restarted.mcpUrl).toBe(url);
    const after = await connectWithLogin({ url, configDir, args, label: 'bridge after the restart' }, { user: 'alice' });
    expect((await whoami(after.bridge)).sub).toBe('alice');
  });

  it('stops cleanly on SIGTERM', async () => {
    const server = await startProtectedExample();
    expect(await server.stop()).toBe(0);
    await expect(fetch(server.mcpUrl)).rejects.toThrow();
  });
});

describe('protected example, bare mode (--bare)', () => {
  it('answers a bare 401, serves no metadata, and prints the issuer-mode command', async () => {
    const server = await startProtectedExample(['--bare']);
    expect(server.clientId).toBe('mcp-auth-bridge-example');
    expect(server.bridgeArgs).toEqual(['--issuer', server.issuer, '--client-id', 'mcp-auth-bridge-example', server.mcpUrl]);
    const unauthorized = await fetch(server.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('www-authenticate')).toBe('Bearer');
    const origin = new URL(server.mcpUrl).origin;
    expect((await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`)).status).toBe(404);
    expect((await fetch(`${origin}/.well-known/oauth-protected-resource`)).status).toBe(404);
  });

  it('without --issuer the bridge says to pass it', async () => {
    const server = await startProtectedExample(['--bare']);
    const raw = spawnBridgeRaw(['--token-store', 'file', '--config-dir', tempDir(), '--no-browser', server.mcpUrl]);
    const end = await initializeOutcome(raw, 20_000);
    expect(end.kind).toBe('error');
    if (end.kind === 'error') expect(end.message).toContain('--issuer');
  });

  it('issuer mode logs in with the pre-registered public client (--redirect-url on a free port)', async () => {
    const server = await startProtectedExample(['--bare']);
    const { args, url } = printed(server);
    const redirect = `http://127.0.0.1:${await freePort()}/callback`;
    const { bridge } = await connectWithLogin({ url, configDir: tempDir(), args: [...args, '--redirect-url', redirect] }, { user: 'bob' });
    expect(new URL(bridge.loginUrls()[0]!).searchParams.get('redirect_uri')).toBe(redirect);
    const me = await whoami(bridge);
    expect(me).toMatchObject({ sub: 'bob', client_id: 'mcp-auth-bridge-example' });
    expect(server.stderr()).not.toContain('registered client');
  });

  it("the printed command as is (the bridge's default redirect http://localhost:8080/auth/callback) logs in", async (ctx) => {
    if (!(await portFree(8080))) ctx.skip('port 8080 is in use on this machine');
    const server = await startProtectedExample(['--bare']);
    const { args, url } = printed(server);
    const { bridge } = await connectWithLogin({ url, configDir: tempDir(), args });
    expect(new URL(bridge.loginUrls()[0]!).searchParams.get('redirect_uri')).toBe('http://localhost:8080/auth/callback');
    expect((await whoami(bridge)).client_id).toBe('mcp-auth-bridge-example');
  });
});

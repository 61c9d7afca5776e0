// Client registration that works with strict authorization servers (the MCP Python SDK's and fastmcp's): they answer
// invalid_client to a token request whose body has no client_id. Regression: the bridge registered as a
// client_secret_basic client, sent no client_id in the body, was refused, registered again and opened a second browser
// login that failed the same way. Now it registers as a public client (none) when listed, else client_secret_post,
// sends client_id in the body whatever the method, and never re-registers a registration made moments ago.
import { describe, expect, it } from 'vitest';
import { authArgs, connectWithLogin, loginUrlsIn, tempDir, whoami } from '../helpers/auth-bridge.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { driveLogin, startAuthStack, type OidcProviderOptions } from '../helpers/oidc/index.js';
import { initializeOutcome } from '../helpers/outcomes.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

useTeardown();

async function stack(provider: OidcProviderOptions) {
  const s = await startAuthStack({ provider });
  return s;
}

describe('registration with strict authorization servers', () => {
  it.each([
    ['client_secret_post and basic listed (as the Python SDK does)', ['client_secret_post', 'client_secret_basic'], 'client_secret_post'],
    ['only client_secret_basic listed', ['client_secret_basic'], 'client_secret_basic'],
    ['none listed', ['none', 'client_secret_basic', 'client_secret_post'], 'none'],
  ])('%s: one registration, one browser login, client_id in the token request body', async (_label, methods, expected) => {
    const { provider, server } = await stack({ clientAuthMethods: methods, strictTokenEndpoint: 'client-id-in-body' });
    const { bridge } = await connectWithLogin({ url: server.url, configDir: tempDir() });
    expect((await whoami(bridge)).sub).toBe('alice');
    expect(provider.strictRefusals).toBe(0);
    expect(provider.counters.registrations).toBe(1);
    expect(provider.counters.authorizationRequests).toBe(1);
    expect(bridge.loginUrls()).toHaveLength(1);
    const registration = provider.requests.find((r) => r.route === 'registration' && r.method === 'POST');
    expect(registration?.status).toBe(201);
    const [clientId] = provider.registeredClientIds();
    const client = await provider.provider.Client.find(clientId!);
    expect((client as unknown as { tokenEndpointAuthMethod?: string } | undefined)?.tokenEndpointAuthMethod).toBe(expected);
  });

  it('a server that refuses the client it just registered gets no second registration and no second browser login', async () => {
    const { provider, server } = await stack({ strictTokenEndpoint: 'refuse-all' });
    const raw = spawnBridgeRaw([...authArgs(tempDir()), '--no-browser', server.url]);
    const outcome = initializeOutcome(raw, 30_000);
    const url = await waitFor('the login URL', () => loginUrlsIn(raw.stderr())[0], { timeoutMs: 15_000 });
    await withTimeout('driving the login', driveLogin(url), 15_000);
    const end = await outcome;
    expect(end.kind, JSON.stringify(end)).toBe('error');
    if (end.kind === 'error') expect(end.message).toContain('refused the client it registered moments ago');
    expect(provider.counters.registrations).toBe(1);
    expect(loginUrlsIn(raw.stderr())).toHaveLength(1);
    expect(provider.strictRefusals).toBeGreaterThanOrEqual(1);
  });
});

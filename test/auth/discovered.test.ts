// Discovered mode end to end, with the real built CLI between an SDK client and a real protected MCP server:
// 401 → protected-resource metadata (RFC 9728) → authorization-server metadata → dynamic registration (RFC 7591) →
// PKCE login → tools/call. Then the stored login is reused without any authorization request, and an expired access
// token is refreshed without a login (in the running bridge here; a restarted bridge on an expired stored login is
// proven in-process on a fake clock in refresh-on-fake-clock.test.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { connectWithLogin, connectWithoutLogin, tempDir, whoami } from '../helpers/auth-bridge.js';
import { storedLogins } from '../helpers/auth-secrets.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startAuthStack, startProtectedMcpServer, type AuthStackOptions } from '../helpers/oidc/index.js';

useTeardown();

async function stack(options: AuthStackOptions = {}) {
  const s = await startAuthStack(options);
  return s;
}

/** Sleeps until every stored access token under `configDir` has expired (plus `extraMs`). */
async function sleepPastExpiry(configDir: string, extraMs = 600): Promise<void> {
  const logins = storedLogins(configDir);
  expect(logins.length).toBeGreaterThan(0);
  const latest = Math.max(...logins.map((l) => Number(l.json.metadata.expiresAt)));
  expect(Number.isFinite(latest)).toBe(true);
  await sleep(Math.max(0, latest - Date.now() + extraMs));
}

describe('discovered mode', () => {
  it('logs in from a bare 401 (PRM → AS metadata → DCR → PKCE) and the tool call carries the new token', async () => {
    const { provider, server } = await stack();
    const configDir = tempDir();
    const { bridge, login } = await connectWithLogin({ url: server.url, configDir, label: 'first' }, { user: 'alice' });

    // The authorization request the bridge built.
    const url = new URL(bridge.loginUrls()[0]!);
    expect(`${url.origin}${url.pathname}`).toBe(`${provider.issuer}/auth`);
    const p = url.searchParams;
    expect(p.get('response_type')).toBe('code');
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.get('state')?.length ?? 0).toBeGreaterThanOrEqual(16);
    expect(p.get('resource')).toBe(server.resource);
    expect(p.get('scope')?.split(' ')).toContain('mcp:read');
    expect(p.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(provider.registeredClientIds()).toContain(p.get('client_id'));

    // The success page, then the call.
    expect(login.status).toBe(200);
    expect(login.body).toContain('Logged in');
    const me = await whoami(bridge);
    expect(me.sub).toBe('alice');
    expect(me.clientId).toBe(p.get('client_id'));
    expect(me.scopes).toContain('mcp:read');
    for (let i = 0; i < 3; i++) expect((await whoami(bridge)).sub).toBe('alice');
    expect(provider.counters.refreshTokenRequests).toBe(0); // a fresh token is not refreshed per request

    expect(server.counters.metadataRequests).toBeGreaterThanOrEqual(1);
    expect(provider.counters.registrations).toBe(1);
    expect(provider.counters.authorizationRequests).toBe(1);
    expect(provider.counters.tokenRequests.authorization_code).toBe(1);
    const exchange = provider.tokenRequests.find((t) => t.grantType === 'authorization_code');
    expect(exchange?.status).toBe(200);
  });

  it('a second run reuses the stored login: no authorization request, no registration', async () => {
    const { provider, server } = await stack();
    const configDir = tempDir();
    const first = await connectWithLogin({ url: server.url, configDir, label: 'first' });
    expect((await whoami(first.bridge)).sub).toBe('alice');
    await first.bridge.close();
    expect(provider.counters.authorizationRequests).toBe(1);

    const second = await connectWithoutLogin({ url: server.url, configDir, label: 'second' });
    expect((await whoami(second)).sub).toBe('alice');
    expect(second.loginUrls()).toEqual([]);
    expect(provider.counters.authorizationRequests).toBe(1);
    expect(provider.counters.registrations).toBe(1);
    expect(provider.counters.tokenRequests.authorization_code).toBe(1);
  });

  it('refreshes an expired access token without a login in a running bridge', async () => {
    const { provider, server } = await stack({ provider: { accessTokenTtlSeconds: 3 } });
    const configDir = tempDir();
    const { bridge } = await connectWithLogin({ url: server.url, configDir, label: 'running' });
    expect((await whoami(bridge)).sub).toBe('alice');
    const authorizations = provider.counters.authorizationRequests;
    expect(authorizations).toBe(1);

    // Running bridge: the token expires between two calls.
    await sleepPastExpiry(configDir);
    const refreshesBefore = provider.counters.refreshTokenRequests;
    expect((await whoami(bridge)).sub).toBe('alice');
    expect(provider.counters.refreshTokenRequests).toBe(refreshesBefore + 1);
    for (let i = 0; i < 3; i++) expect((await whoami(bridge)).sub).toBe('alice');
    expect(provider.counters.refreshTokenRequests).toBe(refreshesBefore + 1); // once per lifetime, not per request
    expect(provider.counters.authorizationRequests).toBe(authorizations);
    expect(bridge.loginUrls()).toHaveLength(1);
    const failed = provider.tokenRequests.filter((t) => t.status !== 200);
    expect(failed, JSON.stringify(failed)).toEqual([]);
  });

  it('logins are per server: a second server of the same provider gets its own login, and the first keeps its own', async () => {
    const { provider, server } = await stack();
    const other = await startProtectedMcpServer({ issuer: provider.issuer, path: '/other-mcp' });
    const configDir = tempDir();
    const a = await connectWithLogin({ url: server.url, configDir, label: 'server-a' });
    expect((await whoami(a.bridge)).sub).toBe('alice');
    const b = await connectWithLogin({ url: other.url, configDir, label: 'server-b' }, { user: 'bob' });
    expect((await whoami(b.bridge)).sub).toBe('bob');
    expect(new URL(b.bridge.loginUrls()[0]!).searchParams.get('resource')).toBe(other.resource);
    await a.bridge.close();
    await b.bridge.close();
    expect(provider.counters.authorizationRequests).toBe(2);

    const again = await connectWithoutLogin({ url: server.url, configDir, label: 'server-a-again' });
    expect((await whoami(again)).sub).toBe('alice');
    expect(provider.counters.authorizationRequests).toBe(2);
  });

  it('with --silent the login URL is still printed (it is the one thing the user must see)', async () => {
    const { server } = await stack();
    const { bridge } = await connectWithLogin({ url: server.url, configDir: tempDir(), args: ['--silent'] });
    expect(bridge.loginUrls()).toHaveLength(1);
    expect((await whoami(bridge)).sub).toBe('alice');
  });
});

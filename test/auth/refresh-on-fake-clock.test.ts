// Token refresh proven in-process on a fake clock: the Authorizer is built as the CLI builds it (validator → wiring)
// against the real OpenID provider and protected MCP server, and the clock is moved past the access token's end
// instead of sleeping through real token lifetimes. Each path keeps one end-to-end refresh through the built CLI
// (discovered.test.ts, issuer-mode.test.ts, concurrent-refresh.test.ts); the cases here replaced the others:
// a restarted bridge on an expired stored login, issuer mode without a resource parameter on the refresh, and
// parallel bridges (one Authorizer each, sharing the store and its cross-process lock) on an expired stored login.
import { describe, expect, it } from 'vitest';
import { freePort, tempDir } from '../helpers/auth-bridge.js';
import { storedLogins } from '../helpers/auth-secrets.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { FakeClock, inProcessAuthorizer } from '../helpers/in-process-authorizer.js';
import { startAuthStack, startOidcProvider, startProtectedMcpServer } from '../helpers/oidc/index.js';

useTeardown();

/** Token lifetimes at the provider: long, so only the fake clock makes a token old. */
const TTL_SECONDS = 3600;

function expiryOf(configDir: string): number {
  const logins = storedLogins(configDir);
  expect(logins.length).toBeGreaterThan(0);
  return Math.max(...logins.map((l) => Number(l.json.metadata.expiresAt)));
}

async function stack(options: { rotateRefreshTokens?: boolean } = {}) {
  const s = await startAuthStack({ provider: { accessTokenTtlSeconds: TTL_SECONDS, ...options } });
  onTeardown(() => s.close());
  return s;
}

describe('refresh on a fake clock (discovered mode)', () => {
  it('a running bridge refreshes once per lifetime, and a restarted one refreshes its expired stored login, never logging in again', async () => {
    const { provider, server } = await stack();
    const configDir = tempDir();
    const clock = new FakeClock();
    const input = { url: server.url, tokenStore: 'file', configDir };
    const running = await inProcessAuthorizer({ input, clock });
    const summary = await running.loginNow();
    expect(summary.hasRefreshToken).toBe(true);
    const first = await running.authorizer.accessToken();
    expect(await running.accepted(first)).toBe(true);
    expect(provider.counters.authorizationRequests).toBe(1);

    // Running: the token's end passes between two requests.
    clock.setTo(expiryOf(configDir) + 600);
    const second = await running.authorizer.accessToken();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(await running.accepted(second)).toBe(true);
    expect(provider.counters.refreshTokenRequests).toBe(1);
    for (let i = 0; i < 3; i++) expect(await running.authorizer.accessToken()).toBe(second);
    expect(provider.counters.refreshTokenRequests).toBe(1); // once per lifetime, not per request

    // Restarted: only an expired access token (and its refresh token) in the store.
    clock.setTo(expiryOf(configDir) + 600);
    const restarted = await inProcessAuthorizer({ input, clock });
    await restarted.authorizer.preload();
    const third = await restarted.authorizer.accessToken();
    expect(third).toBeDefined();
    expect(third).not.toBe(second);
    expect(await restarted.accepted(third)).toBe(true);
    expect(provider.counters.refreshTokenRequests).toBe(2);
    expect(provider.counters.authorizationRequests).toBe(1);
    const failed = provider.tokenRequests.filter((t) => t.status !== 200);
    expect(failed, JSON.stringify(failed)).toEqual([]);
  });
});

describe('refresh on a fake clock (issuer mode)', () => {
  // Regression: issuer mode sent `resource` although the server declared no resource identifier (see
  // issuer-mode.test.ts for the authorization and token requests through the CLI); the refresh must not send it either.
  it('the refresh request carries no resource parameter unless --resource is given', async () => {
    const provider = await startOidcProvider({ accessTokenTtlSeconds: TTL_SECONDS });
    onTeardown(() => provider.close());
    const server = await startProtectedMcpServer({ issuer: provider.issuer, advertise: false });
    onTeardown(() => server.close());
    const configDir = tempDir();
    const clock = new FakeClock();
    const redirectUrl = `http://127.0.0.1:${await freePort()}/callback`;
    const session = await inProcessAuthorizer({
      input: { url: server.url, tokenStore: 'file', configDir, issuer: provider.issuer, clientId: provider.publicClient.clientId, redirectUrl, scopes: 'openid mcp:read' },
      clock,
    });
    await session.loginNow();
    expect(await session.accepted(await session.authorizer.accessToken())).toBe(true);
    clock.setTo(expiryOf(configDir) + 600);
    const refreshed = await session.authorizer.accessToken();
    expect(await session.accepted(refreshed)).toBe(true);
    expect(provider.counters.refreshTokenRequests).toBe(1);
    const tokenCalls = provider.requests.filter((r) => r.route === 'token');
    expect(tokenCalls.length).toBeGreaterThanOrEqual(2);
    for (const call of tokenCalls) expect(call.params).not.toContain('resource');
    expect(storedLogins(configDir)[0]!.json.metadata.resource).toBe(server.url); // still keyed by the server
  });
});

describe('refresh on a fake clock (parallel bridges, rotated refresh tokens)', () => {
  it('four bridges started at once on an expired stored login refresh it once between them', async () => {
    const { provider, server } = await stack({ rotateRefreshTokens: true });
    const configDir = tempDir();
    const clock = new FakeClock();
    const input = { url: server.url, tokenStore: 'file', configDir };
    await (await inProcessAuthorizer({ input, clock })).loginNow();
    clock.setTo(expiryOf(configDir) + 600);

    // One Authorizer per bridge process; they share only the store and its lock, as processes do.
    const bridges = await Promise.all([0, 1, 2, 3].map(() => inProcessAuthorizer({ input, clock })));
    const tokens = await Promise.all(
      bridges.map(async (b) => {
        await b.authorizer.preload();
        return b.authorizer.accessToken();
      }),
    );
    for (const token of tokens) expect(await bridges[0]!.accepted(token)).toBe(true);
    const refreshes = provider.tokenRequests.filter((t) => t.grantType === 'refresh_token');
    expect(refreshes.filter((t) => t.error), JSON.stringify(refreshes)).toEqual([]);
    expect(refreshes, JSON.stringify(refreshes)).toHaveLength(1);
    expect(new Set(tokens).size).toBe(1);
    expect(provider.counters.authorizationRequests).toBe(1);
  });
});

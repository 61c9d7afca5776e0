// Credentials go only to the authorization server that issued them. Two real providers, A and B, and a protected MCP
// server whose protected-resource metadata names A, then (between runs) B — as a server that moved, or a hostile one,
// does. Regression: once the access token had expired, the next start sent A's refresh token and the configured
// client secret to B, and B's invalid_grant made the bridge delete A's stored login. Now B receives neither (its own
// traffic is inspected), A's login stays stored, and the user gets a new login (dynamic client) or an error naming B
// and what to do (pre-registered client), for each grant.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { authArgs, connectWithLogin, connectWithoutLogin, freePort, startAuthBridge, tempDir, whoami, fileStore } from '../helpers/auth-bridge.js';
import { storedLogins } from '../helpers/auth-secrets.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { driveDeviceLogin, startOidcProvider, startProtectedMcpServer, type OidcProvider } from '../helpers/oidc/index.js';
import { initializeOutcome } from '../helpers/outcomes.js';
import { withTimeout } from '../helpers/wait.js';
import { runCli } from '../helpers/cli.js';

useTeardown();

const TTL_S = 3;

/** Providers A and B (own signing keys) and a server trusting A, whose metadata names A until `move()`. */
async function movingStack() {
  const a = await startOidcProvider({ accessTokenTtlSeconds: TTL_S, signingKeyName: 'issuer-a' });
  const b = await startOidcProvider({ accessTokenTtlSeconds: TTL_S, signingKeyName: 'issuer-b' });
  const server = await startProtectedMcpServer({ issuer: a.issuer });
  return { a, b, server, move: () => server.trust(b.issuer) };
}

/** Waits until every stored access token under `configDir` has expired. */
async function sleepPastExpiry(configDir: string): Promise<void> {
  const latest = Math.max(...storedLogins(configDir).map((l) => Number(l.json.metadata.expiresAt)));
  expect(Number.isFinite(latest)).toBe(true);
  await sleep(Math.max(0, latest - Date.now() + 600));
}

/** The one stored login of issuer `issuer`, with its refresh token (read from the file store). */
function loginOf(configDir: string, issuer: string) {
  const logins = storedLogins(configDir).filter((l) => l.json.metadata.issuer === issuer);
  expect(logins, `stored logins of ${issuer}`).toHaveLength(1);
  return logins[0]!;
}

/** B got nothing of A's: no refresh token, no client secret, no token request for the client. */
function expectNothingReached(b: OidcProvider, secrets: (string | undefined)[]): void {
  for (const secret of secrets) if (secret) expect(b.received(secret), 'B received a credential of A').toBe(false);
  expect(b.counters.refreshTokenRequests).toBe(0);
}

function errorOf(end: Awaited<ReturnType<typeof initializeOutcome>>): string {
  expect(end.kind, JSON.stringify(end)).toBe('error');
  return end.kind === 'error' ? end.message : '';
}

describe('credentials go only to the authorization server that issued them', () => {
  it('pre-registered confidential client, browser login: after the server moves to B, B gets neither the refresh token nor the secret; the error names B; A\'s login stays', async () => {
    const { a, b, server, move } = await movingStack();
    const configDir = tempDir();
    const { clientId, clientSecret } = a.confidentialClient;
    const args = ['--client-id', clientId, '--redirect-url', `http://127.0.0.1:${await freePort()}/callback`];
    const env = { OIDC_CLIENT_SECRET: clientSecret };
    const first = await connectWithLogin({ url: server.url, configDir, args, env, label: 'at-A' });
    expect((await whoami(first.bridge)).clientId).toBe(clientId);
    await first.bridge.close();
    const refreshToken = loginOf(configDir, a.issuer).json.secrets?.refreshToken;
    expect(refreshToken).toBeTruthy();

    move();
    await sleepPastExpiry(configDir);
    const raw = spawnBridgeRaw([...authArgs(configDir), '--no-browser', ...args, server.url], env);
    const message = errorOf(await initializeOutcome(raw, 25_000));
    expect(message).toContain(`now names the authorization server ${b.issuer}`);
    expect(message).toContain('--issuer');
    expect(message).toContain('login --force');
    expectNothingReached(b, [refreshToken, clientSecret]);
    expect(b.counters.authorizationRequests).toBe(0);
    expect(b.tokenRequests).toEqual([]);
    expect(loginOf(configDir, a.issuer).json.secrets?.refreshToken).toBe(refreshToken); // kept, not deleted
    expect(raw.exitStatus()).toBeUndefined();

    // The `login` command says the same; with --force the user trusts B and logs in there.
    const login = await runCli(['login', ...fileStore(configDir), '--no-browser', '--auth-timeout', '5s', ...args, server.url], env);
    expect(login.code).toBe(1);
    expect(login.stderr).toContain(`now names the authorization server ${b.issuer}`);
    expectNothingReached(b, [refreshToken, clientSecret]);
  });

  it('dynamic registration, browser login: after the move, a new login at B (registered there); A\'s refresh token never reaches B and A\'s login stays', async () => {
    const { a, b, server, move } = await movingStack();
    const configDir = tempDir();
    const first = await connectWithLogin({ url: server.url, configDir, label: 'at-A' });
    expect((await whoami(first.bridge)).sub).toBe('alice');
    await first.bridge.close();
    const refreshToken = loginOf(configDir, a.issuer).json.secrets?.refreshToken;
    expect(refreshToken).toBeTruthy();

    move();
    await sleepPastExpiry(configDir);
    const { bridge } = await connectWithLogin({ url: server.url, configDir, label: 'at-B' }, { user: 'bob' });
    expect(new URL(bridge.loginUrls()[0]!).origin).toBe(b.issuer);
    expect((await whoami(bridge)).sub).toBe('bob');
    expectNothingReached(b, [refreshToken]);
    expect(b.counters.registrations).toBe(1);
    expect(loginOf(configDir, a.issuer).json.secrets?.refreshToken).toBe(refreshToken);
    loginOf(configDir, b.issuer);
  });

  it('client credentials: after the move, the client secret is never sent to B; the error names B', async () => {
    const { a, b, server, move } = await movingStack();
    const configDir = tempDir();
    const { clientId, clientSecret } = a.confidentialClient;
    const args = ['--client-credentials', '--client-id', clientId];
    const env = { OIDC_CLIENT_SECRET: clientSecret };
    const first = await connectWithoutLogin({ url: server.url, configDir, args, env, label: 'at-A' });
    expect((await whoami(first)).sub).toBe(clientId);
    await first.close();

    move();
    await sleepPastExpiry(configDir);
    const raw = spawnBridgeRaw([...authArgs(configDir), '--no-browser', ...args, server.url], env);
    const message = errorOf(await initializeOutcome(raw, 25_000));
    expect(message).toContain(`now names the authorization server ${b.issuer}`);
    expectNothingReached(b, [clientSecret]);
    expect(b.tokenRequests).toEqual([]);
    loginOf(configDir, a.issuer);
  });

  it('device login with a pre-registered client: after the move, neither its refresh token nor the secret reaches B', async () => {
    const { a, b, server, move } = await movingStack();
    const configDir = tempDir();
    const { clientId, clientSecret } = a.confidentialClient;
    const args = ['--device-code', '--client-id', clientId];
    const env = { OIDC_CLIENT_SECRET: clientSecret };
    const first = startAuthBridge({ url: server.url, configDir, args, env, label: 'device-at-A' });
    const prompt = await first.waitForDevicePrompt(0);
    await withTimeout('the device login', driveDeviceLogin(prompt.verificationUriComplete ?? prompt.verificationUri, { userCode: prompt.userCode }), 20_000);
    await withTimeout('connecting after the device login', first.connected, 30_000);
    expect((await whoami(first)).clientId).toBe(clientId);
    await first.close();
    const refreshToken = loginOf(configDir, a.issuer).json.secrets?.refreshToken;

    move();
    await sleepPastExpiry(configDir);
    const raw = spawnBridgeRaw([...authArgs(configDir), '--no-browser', ...args, server.url], env);
    const message = errorOf(await initializeOutcome(raw, 25_000));
    expect(message).toContain(`now names the authorization server ${b.issuer}`);
    expectNothingReached(b, [refreshToken, clientSecret]);
    expect(b.tokenRequests).toEqual([]);
    expect(loginOf(configDir, a.issuer).json.secrets?.refreshToken).toBe(refreshToken);
  });
});

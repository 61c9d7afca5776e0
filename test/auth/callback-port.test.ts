// The loopback callback port: a port the user fixed with --callback-port that another program holds gives a clear
// error naming the port and what to do; without --callback-port, a taken stable port falls back to a free one and
// the login still works.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { authArgs, connectWithLogin, occupyPort, tempDir, whoami } from '../helpers/auth-bridge.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startAuthStack, type AuthStackOptions } from '../helpers/oidc/index.js';
import { storedLogins } from '../helpers/auth-secrets.js';
import { initializeOutcome } from '../helpers/outcomes.js';

useTeardown();

async function stack(options: AuthStackOptions = {}) {
  const s = await startAuthStack(options);
  return s;
}

function redirectPort(loginUrl: string): number {
  return Number(new URL(new URL(loginUrl).searchParams.get('redirect_uri')!).port);
}

describe('callback port', () => {
  it('--callback-port held by another program: the error names the port and what to do, and the bridge stays up', async () => {
    const { provider, server } = await stack();
    const { port } = await occupyPort();
    const raw = spawnBridgeRaw([...authArgs(tempDir()), '--no-browser', '--callback-port', String(port), server.url]);
    const end = await initializeOutcome(raw, 20_000);
    expect(end.kind, JSON.stringify(end)).toBe('error');
    if (end.kind !== 'error') return;
    expect(end.message).toContain(String(port));
    expect(end.message).toMatch(/in use/);
    expect(end.message).toMatch(/--callback-port|close the program/);
    expect(provider.counters.authorizationRequests).toBe(0);
    expect(raw.exitStatus()).toBeUndefined();
  });

  it('--callback-port that is free is used for the redirect URI', async () => {
    const { server } = await stack();
    const { port, server: holder } = await occupyPort();
    await new Promise<void>((resolve) => holder.close(() => resolve()));
    const { bridge } = await connectWithLogin({ url: server.url, configDir: tempDir(), args: ['--callback-port', String(port)] });
    expect(redirectPort(bridge.loginUrls()[0]!)).toBe(port);
    expect((await whoami(bridge)).sub).toBe('alice');
  });

  it('without --callback-port, a taken stable port falls back to a free port and the login still works', async () => {
    const { provider, server } = await stack();
    const first = await connectWithLogin({ url: server.url, configDir: tempDir(), label: 'first' });
    const stable = redirectPort(first.bridge.loginUrls()[0]!);
    await first.bridge.close();

    // Same server and issuer (same stable port), new config dir (so a new login), stable port held by someone else.
    await occupyPort(stable);
    const second = await connectWithLogin({ url: server.url, configDir: tempDir(), label: 'second' });
    const used = redirectPort(second.bridge.loginUrls()[0]!);
    expect(used).not.toBe(stable);
    expect(second.login.status).toBe(200);
    expect((await whoami(second.bridge)).sub).toBe('alice');
    expect(second.bridge.stderr()).toContain(String(stable));
    expect(provider.counters.authorizationRequests).toBe(2);
  });

  // Regression: the refresh looked up the dynamic registration under the STABLE port's redirect URI, did not find the
  // one made for the fallback port, registered yet another client, and presented the refresh token as that client
  // (invalid_grant): the login was lost at the first refresh.
  it('a login made on the fallback port is refreshed later without a new registration or login', async () => {
    const { provider, server } = await stack({ provider: { accessTokenTtlSeconds: 3 } });
    const probeDir = tempDir();
    const probe = await connectWithLogin({ url: server.url, configDir: probeDir, label: 'probe' });
    const stable = redirectPort(probe.bridge.loginUrls()[0]!);
    await probe.bridge.close();
    await occupyPort(stable);

    const configDir = tempDir();
    const { bridge } = await connectWithLogin({ url: server.url, configDir, label: 'fallback' });
    expect(redirectPort(bridge.loginUrls()[0]!)).not.toBe(stable);
    const clientId = (await whoami(bridge)).clientId;
    const registrations = provider.counters.registrations;
    const authorizations = provider.counters.authorizationRequests;

    const expiresAt = Number(storedLogins(configDir)[0]!.json.metadata.expiresAt);
    await sleep(Math.max(0, expiresAt - Date.now() + 500));
    const call = whoami(bridge, 30_000);
    const outcome = await Promise.race([
      call.then((me) => ({ me })),
      bridge.waitForLoginUrl(1, 25_000).then(() => ({ me: undefined })),
    ]);
    expect(outcome.me, 'the refresh failed and the bridge asked for a new login').toBeDefined();
    expect(outcome.me?.clientId).toBe(clientId);
    const refreshes = provider.tokenRequests.filter((t) => t.grantType === 'refresh_token');
    expect(refreshes.map((r) => `${r.status} ${r.error ?? ''} ${r.clientId === clientId ? 'same client' : 'OTHER client'}`)).toEqual([
      '200  same client',
    ]);
    expect(provider.counters.registrations).toBe(registrations);
    expect(provider.counters.authorizationRequests).toBe(authorizations);
  });
});

// A provider that forgot the dynamically registered client (a restart with a non-persistent store): the stored
// refresh token and client id are dead. When the access token expires the bridge must notice (invalid_client /
// invalid_grant), register again and log in again, instead of failing forever with the stale registration.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { authArgs, connectWithLogin, loginUrlsIn, startAuthBridge, tempDir, whoami } from '../helpers/auth-bridge.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { requestEnd } from '../helpers/outcomes.js';
import { storedLogins, storeRecords } from '../helpers/auth-secrets.js';
import { useTeardown } from '../helpers/cleanup.js';
import { driveLogin, startAuthStack } from '../helpers/oidc/index.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

useTeardown();

describe('forgotten dynamic client', () => {
  it('re-registers and logs in again after the provider forgot the client and its grants', async () => {
    const stack = await startAuthStack({ provider: { accessTokenTtlSeconds: 3 } });
    const { provider, server } = stack;
    const configDir = tempDir();
    const { bridge } = await connectWithLogin({ url: server.url, configDir });
    const firstClient = (await whoami(bridge)).clientId!;
    expect(provider.counters.registrations).toBe(1);

    expect(provider.forgetClient(firstClient)).toBe(true);
    expect(provider.revokeAllGrants()).toBeGreaterThan(0);
    const expiresAt = Number(storedLogins(configDir)[0]!.json.metadata.expiresAt);
    await sleep(Math.max(0, expiresAt - Date.now() + 500));

    const call = whoami(bridge, 40_000);
    call.catch(() => undefined);
    const url = await bridge.waitForLoginUrl(1, 20_000);
    const newClient = new URL(url).searchParams.get('client_id');
    expect(newClient).not.toBe(firstClient);
    expect(provider.registeredClientIds()).toContain(newClient);
    const login = await withTimeout('driving the new login', driveLogin(url), 15_000);
    expect(login.status).toBe(200);
    const me = await withTimeout('whoami after the new login', call, 20_000);
    expect(me.clientId).toBe(newClient);
    expect(provider.counters.registrations).toBe(2);
    expect(provider.counters.authorizationRequests).toBe(2);

    // The store holds the new registration and a login for the new client, not the dead ones.
    const registrations = storeRecords(configDir).filter((r) => r.kind === 'registrations');
    expect(registrations.map((r) => r.json.metadata.clientId)).toEqual([newClient]);
    expect(storedLogins(configDir).map((r) => r.json.metadata.clientId)).toEqual([newClient]);
  });

  // Regression: with no stored login to refresh, nothing ever tells the bridge that its stored registration is dead
  // (the provider shows invalid_client in the browser and never redirects back), so every attempt, in every new
  // bridge, sent the user to log in with the same unknown client_id: stuck until the config dir was deleted.
  it('a registration the provider forgot before any login succeeded is replaced by the next attempt at the latest', async () => {
    const stack = await startAuthStack();
    const { provider, server } = stack;
    const configDir = tempDir();
    // A first start registers and prints a URL, but the user never logs in.
    const abandoned = startAuthBridge({ url: server.url, configDir, label: 'abandoned' });
    const deadClient = new URL(await abandoned.waitForLoginUrl()).searchParams.get('client_id')!;
    await abandoned.close();
    expect(provider.forgetClient(deadClient)).toBe(true); // e.g. the provider restarted with a non-persistent store

    const raw = spawnBridgeRaw([...authArgs(configDir), '--auth-timeout', '3s', '--no-browser', server.url]);
    const attempts: string[] = [];
    let connected = false;
    for (let attempt = 0; attempt < 2 && !connected; attempt++) {
      const id = 10 + attempt;
      raw.send({
        jsonrpc: '2.0',
        id,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      });
      const url = await waitFor(`login URL #${attempt + 1}`, () => loginUrlsIn(raw.stderr())[attempt], { timeoutMs: 15_000 });
      const clientId = new URL(url).searchParams.get('client_id')!;
      const known = provider.registeredClientIds().includes(clientId);
      attempts.push(`attempt ${attempt + 1}: ${known ? 'known client' : 'client unknown to the provider'}`);
      if (known) expect((await driveLogin(url)).status).toBe(200);
      const end = await requestEnd(raw, id, 20_000);
      connected = end.kind === 'result';
    }
    expect(connected, attempts.join('; ')).toBe(true);
  });
});

// No secret ever reaches stderr or the --log-file, even with --debug: every access, refresh and ID token, every
// authorization code and PKCE verifier observed at the provider (its token endpoint), in the callback URL or in the
// store files is looked for in both. And the credential files are private: 0600 files in 0700 directories.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { connectWithLogin, tempDir, whoami } from '../helpers/auth-bridge.js';
import { leakedKinds, modesUnder, observeProviderSecrets, storedLogins, storeSecrets } from '../helpers/auth-secrets.js';
import { useTeardown } from '../helpers/cleanup.js';
import { driveLogin, startAuthStack } from '../helpers/oidc/index.js';
import { withTimeout } from '../helpers/wait.js';

useTeardown();

async function sleepPastExpiry(configDir: string): Promise<void> {
  const expiresAt = Math.max(...storedLogins(configDir).map((l) => Number(l.json.metadata.expiresAt)));
  await sleep(Math.max(0, expiresAt - Date.now() + 500));
}

describe('secrets stay out of logs', () => {
  it('with --debug and --log-file: login, refresh, failed refresh and re-login leave no secret in stderr or the log file', async () => {
    const stack = await startAuthStack({ provider: { accessTokenTtlSeconds: 3 } });
    const { provider, server } = stack;
    const observed = observeProviderSecrets(provider);
    const root = tempDir();
    const configDir = join(root, 'config'); // created by the bridge
    const logFile = join(root, 'bridge.log');

    const { bridge, login } = await connectWithLogin({ url: server.url, configDir, args: ['--debug', '--log-file', logFile, '--scopes', 'openid mcp:read'] });
    observed.add('code(callback)', login.params.get('code'));
    observed.add('state', login.params.get('state'));
    expect((await whoami(bridge)).sub).toBe('alice');
    const afterLogin = storeSecrets(configDir);

    // A refresh (rotates the refresh token).
    await sleepPastExpiry(configDir);
    expect((await whoami(bridge)).sub).toBe('alice');
    expect(provider.counters.refreshTokenRequests).toBeGreaterThanOrEqual(1);
    const afterRefresh = storeSecrets(configDir);

    // A refresh that fails (grants revoked: invalid_grant), then a new login: the error paths log too.
    provider.revokeAllGrants();
    await sleepPastExpiry(configDir);
    const call = whoami(bridge, 40_000);
    call.catch(() => undefined);
    const relogin = await withTimeout('driving the second login', driveLogin(await bridge.waitForLoginUrl(1, 20_000)), 15_000);
    observed.add('code(callback)', relogin.params.get('code'));
    expect((await withTimeout('whoami after the second login', call, 20_000)).sub).toBe('alice');
    expect(provider.tokenRequests.some((t) => t.error === 'invalid_grant')).toBe(true);
    await bridge.close();

    const counts = observed.counts();
    expect(counts.code ?? 0).toBeGreaterThanOrEqual(2);
    expect(counts.code_verifier ?? 0).toBeGreaterThanOrEqual(2);
    expect(counts.access_token ?? 0).toBeGreaterThanOrEqual(3);
    expect(counts.refresh_token ?? 0).toBeGreaterThanOrEqual(3);
    expect(counts.id_token ?? 0).toBeGreaterThanOrEqual(1);
    const secrets: [string, string][] = [
      ...observed.entries().filter(([kind]) => kind !== 'state'),
      ...[...afterLogin, ...afterRefresh, ...storeSecrets(configDir)].map((v): [string, string] => ['stored secret', v]),
    ];

    const stderr = bridge.stderr();
    const log = readFileSync(logFile, 'utf8');
    expect(stderr).toMatch(/debug/); // --debug really was verbose
    expect(log.length).toBeGreaterThan(0);
    const leaks = [...leakedKinds(stderr, secrets, 'stderr'), ...leakedKinds(log, secrets, '--log-file')];
    expect(leaks).toEqual([]);
    // Nothing bearer- or JWT-shaped either.
    expect(stderr).not.toMatch(/Bearer\s+(?!\[redacted)[A-Za-z0-9._~+/-]{8,}/);
    expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\./);
    expect(stderr).not.toMatch(/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\./);
    expect(statSync(logFile).mode & 0o777).toBe(0o600);
  });

  it('credential files are 0600 and their directories 0700', async () => {
    const stack = await startAuthStack();
    const configDir = join(tempDir(), 'nested', 'config');
    const { bridge } = await connectWithLogin({ url: stack.server.url, configDir });
    expect((await whoami(bridge)).sub).toBe('alice');
    await bridge.close();

    const entries = modesUnder(configDir);
    expect(entries.filter((e) => !e.dir).length).toBeGreaterThanOrEqual(2); // a login and a registration
    const wrong = entries
      .filter((e) => (e.dir ? e.mode !== 0o700 : e.mode !== 0o600))
      .map((e) => `${e.path.slice(configDir.length) || '/'}: ${e.mode.toString(8)}`);
    expect(wrong).toEqual([]);
    expect(storedLogins(configDir)).toHaveLength(1);
  });
});

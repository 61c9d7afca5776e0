// Rotated refresh tokens and several bridges: four bridges share one --config-dir (one stored login); the access
// token expires and all four make a call at once. The provider rotates refresh tokens and revokes the whole grant
// when a rotated one is presented again, so only the cross-process lock keeps this working: exactly one refresh
// request, no invalid_grant, every call answered.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { connectWithLogin, connectWithoutLogin, tempDir, whoami, type AuthBridge } from '../helpers/auth-bridge.js';
import { storedLogins } from '../helpers/auth-secrets.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startAuthStack } from '../helpers/oidc/index.js';

useTeardown();

const TTL_SECONDS = 8;

describe('rotated refresh tokens with parallel bridges', () => {
  it('four bridges refreshing at once spend the refresh token once: one refresh request, no invalid_grant', async () => {
    const stack = await startAuthStack({ provider: { accessTokenTtlSeconds: TTL_SECONDS, rotateRefreshTokens: true } });
    const { provider, server } = stack;
    const configDir = tempDir();

    const { bridge: first } = await connectWithLogin({ url: server.url, configDir, label: 'bridge-0' });
    const others = await Promise.all(
      [1, 2, 3].map((i) => connectWithoutLogin({ url: server.url, configDir, label: `bridge-${i}` })),
    );
    const bridges: AuthBridge[] = [first, ...others];
    expect(provider.counters.authorizationRequests).toBe(1);
    const logins = storedLogins(configDir);
    expect(logins).toHaveLength(1);
    const expiresAt = Number(logins[0]!.json.metadata.expiresAt);
    const refreshesBefore = provider.counters.refreshTokenRequests;
    // Premise: all four connected on the first token (well within its lifetime), so none has refreshed yet.
    expect(refreshesBefore, 'the bridges took longer than the token lifetime to start').toBe(0);

    await sleep(Math.max(0, expiresAt - Date.now() + 500));
    const results = await Promise.allSettled(bridges.map((b) => whoami(b)));
    const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`${bridges[i]!.label}: ${String(r.reason)}`] : []));
    expect(failures, failures.join('\n')).toEqual([]);

    const refreshes = provider.tokenRequests.filter((t) => t.grantType === 'refresh_token');
    expect(refreshes.filter((t) => t.error), JSON.stringify(refreshes)).toEqual([]);
    expect(refreshes, JSON.stringify(refreshes)).toHaveLength(1);
    expect(provider.counters.authorizationRequests).toBe(1);
    for (const b of bridges) expect(b.loginUrls().length, `${b.label} asked for a login`).toBe(b === first ? 1 : 0);
  });
  // Four bridges started at once on an expired stored login: proven in-process on a fake clock
  // (refresh-on-fake-clock.test.ts), one Authorizer per bridge sharing the store and its lock.
});

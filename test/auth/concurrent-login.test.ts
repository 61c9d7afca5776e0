// Several bridges starting at once with nothing stored: one of them logs in (one authorization request, one dynamic
// registration), the others wait for its tokens through the cross-process lock, and all four get through.
import { describe, expect, it } from 'vitest';
import { isAlive, startAuthBridge, tempDir, whoami } from '../helpers/auth-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { driveLogin, startAuthStack } from '../helpers/oidc/index.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

useTeardown();

describe('parallel first start', () => {
  it('four bridges starting together with no stored tokens make exactly one authorization request', async () => {
    const stack = await startAuthStack();
    const { provider, server } = stack;
    const configDir = tempDir();

    const bridges = [0, 1, 2, 3].map((i) => startAuthBridge({ url: server.url, configDir, label: `bridge-${i}` }));
    const url = await waitFor(
      'one bridge to print a login URL',
      () => bridges.map((b) => b.loginUrls()[0]).find(Boolean),
      { timeoutMs: 20_000 },
    );
    const login = await withTimeout('driving the one login', driveLogin(url), 15_000);
    expect(login.status).toBe(200);

    const connected = await Promise.allSettled(bridges.map((b) => withTimeout(`${b.label} to connect`, b.connected, 20_000)));
    const failures = connected.flatMap((r, i) => (r.status === 'rejected' ? [`${bridges[i]!.label}: ${String(r.reason)}`] : []));
    expect(failures, failures.join('\n')).toEqual([]);
    const answers = await Promise.all(bridges.map((b) => whoami(b)));
    for (const me of answers) expect(me.sub).toBe('alice');

    expect(provider.counters.authorizationRequests).toBe(1);
    expect(provider.counters.registrations).toBe(1);
    expect(provider.counters.tokenRequests.authorization_code).toBe(1);
    const printed = bridges.filter((b) => b.loginUrls().length > 0).map((b) => b.label);
    expect(printed, 'only one bridge should have started a login').toHaveLength(1);
  });

  it('a bridge killed in the middle of its login does not block the next one (its lock is taken over)', async () => {
    const stack = await startAuthStack();
    const { provider, server } = stack;
    const configDir = tempDir();
    // --auth-timeout 20s: the lock would otherwise be waited for up to 50 s.
    const doomed = startAuthBridge({ url: server.url, configDir, label: 'doomed' });
    await doomed.waitForLoginUrl();
    const pid = doomed.pid()!;
    process.kill(pid, 'SIGKILL');
    await waitFor('the killed bridge to be gone', () => !isAlive(pid), { timeoutMs: 5_000 });

    const next = startAuthBridge({ url: server.url, configDir, label: 'next' });
    const url = await next.waitForLoginUrl(0, 10_000);
    expect((await driveLogin(url)).status).toBe(200);
    await withTimeout('next to connect', next.connected, 15_000);
    expect((await whoami(next)).sub).toBe('alice');
    expect(provider.counters.authorizationRequests).toBe(1); // the killed bridge's URL was never opened
  });
});

// A forced login (the status page's Connect, `login --force`) made while another process holds the server's lock and
// shares its browser login follows that login and adopts it once stored. Whether it was stored is told by what the
// store holds, not by comparing the waiting process's clock with the holder's: here the waiter's clock runs ten
// minutes ahead of the holder's (two machines behind one Redis may differ so), and still one login is made.
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/auth-bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { FakeClock, inProcessAuthorizer } from '../helpers/in-process-authorizer.js';
import { driveLogin, startAuthStack } from '../helpers/oidc/index.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

useTeardown();

describe('a forced login during another holder\'s shared login', () => {
  it('adopts the login it followed even when its clock runs ahead of the holder\'s, with one authorization request', async () => {
    const stack = await startAuthStack({ provider: { accessTokenTtlSeconds: 3600 } });
    onTeardown(() => stack.close());
    const configDir = tempDir();
    const input = { url: stack.server.url, tokenStore: 'file', configDir, authTimeout: '30s' };

    const holderOpened: string[] = [];
    const holder = await inProcessAuthorizer({ input, clock: new FakeClock(), openBrowser: async (url) => void holderOpened.push(url) });
    const waiterOpened: string[] = [];
    const waiter = await inProcessAuthorizer({
      input,
      clock: new FakeClock(Date.now() + 10 * 60_000),
      openBrowser: async (url) => void waiterOpened.push(url),
    });

    const holding = holder.loginNow();
    holding.catch(() => undefined);
    const url = await waitFor('the holder to open its browser', () => holderOpened[0], { timeoutMs: 15_000 });
    const forced = waiter.loginNow({ force: true });
    forced.catch(() => undefined);
    // While it waits, the waiter offers the holder's login (its status page would show this link).
    await waitFor('the waiter to hear the shared login', () => waiter.authorizer.pendingLoginUrl === url || undefined, { timeoutMs: 15_000 });

    expect((await withTimeout('driving the shared login', driveLogin(url), 20_000)).status).toBe(200);
    await withTimeout('the holder\'s login', holding, 20_000);
    await withTimeout('the forced login', forced, 20_000);

    expect(waiterOpened).toEqual([]);
    expect(await waiter.authorizer.accessToken()).toBe(await holder.authorizer.accessToken());
    expect(await waiter.accepted(await waiter.authorizer.accessToken())).toBe(true);
    expect(waiter.log()).toContain('using the login another mcp-auth-bridge process just completed');
    expect(stack.provider.counters.authorizationRequests).toBe(1);
  }, 60_000);
});

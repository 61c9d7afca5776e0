// Logins another process or instance made are adopted by what the store holds, never by comparing this process's
// clock with the other's (two machines behind one Redis may differ by minutes): a forced login (the status page's
// Connect, `login --force`) made while another holder shares its browser login adopts that login once stored, and a
// refusal of a fresh login ends when the user logs in again elsewhere. Here the clocks differ by ten minutes.
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/auth-bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { FakeClock, inProcessAuthorizer } from '../helpers/in-process-authorizer.js';
import { decodeJwt } from 'jose';
import { ErrorCode } from '../../src/errors.js';
import { bearerChallenge } from '../../src/auth/challenge.js';
import { initializeProbe } from '../../src/cli/probe.js';
import { driveLogin, startAuthStack } from '../helpers/oidc/index.js';
import type { TokenRefusalAnswer } from '../helpers/oidc/protected-mcp-server.js';
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

describe('a refused login, and a login the user made since on another instance', () => {
  it('is ended by that login even when the other instance\'s clock runs behind the refusal\'s', async () => {
    let refusing = false;
    const refuseToken = (token: string): TokenRefusalAnswer | undefined =>
      refusing && decodeJwt(token).sub === 'alice' ? { status: 401, error: 'invalid_token', errorDescription: 'this account is suspended' } : undefined;
    const stack = await startAuthStack({ provider: { accessTokenTtlSeconds: 3600 }, server: { refuseToken } });
    onTeardown(() => stack.close());
    const configDir = tempDir();
    const input = { url: stack.server.url, tokenStore: 'file', configDir, authTimeout: '30s' };

    // This instance's clock runs ten minutes ahead: it logs in as alice, and the server refuses that fresh login.
    const refused = await inProcessAuthorizer({ input, clock: new FakeClock(Date.now() + 10 * 60_000) });
    await refused.loginNow();
    const alice = (await refused.authorizer.accessToken())!;
    refusing = true;
    const answer = await initializeProbe({ ...refused.config.server, headers: { authorization: `Bearer ${alice}` } }, globalThis.fetch);
    expect(answer.status).toBe(401);
    expect(refused.authorizer.refusedAfterRenewal(alice, { status: 401, words: 'this account is suspended' })?.code).toBe(ErrorCode.Auth);
    const rejection = { challenge: bearerChallenge(answer), usedToken: alice };

    // The user logs in again as bob on another instance, whose clock is right (ten minutes behind this one's).
    const other = await inProcessAuthorizer({ input, clock: new FakeClock(), login: { user: 'bob' } });
    await withTimeout('the login on the other instance', other.loginNow({ force: true }), 20_000);
    expect(await withTimeout('the refused instance', refused.authorizer.onUnauthorized(rejection), 20_000)).toBe('adopted');
    expect(decodeJwt((await refused.authorizer.accessToken())!).sub).toBe('bob');
  }, 60_000);
});

// One interactive login at a time, process-wide (auth/login-queue.ts): two servers of one process that both need a
// browser login at once must not open two tabs or compete for the callback port. Two Authorizers, built as the CLI
// builds them, share one queue as the Authorizers of one process do; both log in to two protected MCP servers of
// the real OpenID provider. The browser records the URL it is asked to open and the test drives each login, so the
// order of events is the test's evidence: the second browser opens only after the first login ended, whether it
// succeeded or failed, and while it waits it says for which login.
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/auth-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { FakeClock, inProcessAuthorizer, type InProcessAuthorizer } from '../helpers/in-process-authorizer.js';
import { driveDeviceLogin, driveLogin, startOidcProvider, startProtectedMcpServer } from '../helpers/oidc/index.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { LoginQueue } from '../../src/auth/login-queue.js';

useTeardown();

interface Opened {
  server: string;
  url: string;
  /** The other servers whose login was under way (a login URL pending) when this browser opened. */
  underWay: string[];
}

/** Two Authorizers for two servers of one provider, sharing `queue`, with a browser that only records. */
async function twoServers(queue: LoginQueue, options: { deviceCode?: boolean } = {}) {
  const provider = await startOidcProvider();
  const servers = await Promise.all(['a', 'b'].map(() => startProtectedMcpServer({ issuer: provider.issuer, jwksUri: provider.jwksUri })));
  const configDir = tempDir();
  const events: string[] = [];
  const opened: Opened[] = [];
  const clock = new FakeClock();
  const authorizers: InProcessAuthorizer[] = [];
  for (const server of servers) {
    authorizers.push(
      await inProcessAuthorizer({
        input: { url: server.url, tokenStore: 'file', configDir, authTimeout: '60s', ...(options.deviceCode ? { deviceCode: true } : {}) },
        clock,
        interactiveLogins: queue,
        openBrowser: async (url) => {
          const underWay = authorizers.filter((a) => a.config.server.url.href !== server.url && a.authorizer.pendingLoginUrl).map((a) => a.config.server.url.href);
          events.push(`open ${server.url}`);
          opened.push({ server: server.url, url, underWay });
        },
      }),
    );
  }
  return { provider, servers, authorizers, events, opened, configDir, clock };
}

/** The Authorizer of `server`, and the other one. */
function split(authorizers: InProcessAuthorizer[], server: string): [InProcessAuthorizer, InProcessAuthorizer] {
  const first = authorizers.find((a) => a.config.server.url.href === server)!;
  return [first, authorizers.find((a) => a !== first)!];
}

describe('one interactive login at a time', () => {
  it('two servers needing a browser login at once: the second browser opens only after the first login ended', async () => {
    const queue = new LoginQueue();
    const { provider, authorizers, events, opened } = await twoServers(queue);
    const logins = authorizers.map((a) => {
      const done = a.loginNow().then((summary) => (events.push(`done ${a.config.server.url.href}`), summary));
      done.catch(() => undefined);
      return done;
    });

    const first = await waitFor('the first browser to open', () => opened[0], { timeoutMs: 15_000 });
    const [one, other] = split(authorizers, first.server);
    // The other login waits for its turn, and says for which login; it has no login URL yet.
    const ahead = await waitFor('the second login to wait for its turn', () => other.authorizer.waitingForTurn, { timeoutMs: 15_000 });
    expect(ahead).toBe(first.server);
    expect(other.authorizer.pendingLoginUrl).toBeUndefined();
    expect(one.authorizer.pendingLoginUrl).toBe(first.url);
    expect(opened).toHaveLength(1);
    expect(queue.waiting).toBe(1);
    expect(other.log()).toContain(`waiting for the login to ${first.server} to finish before logging in to ${other.config.server.url.href}`);

    expect((await withTimeout('driving the first login', driveLogin(first.url), 20_000)).status).toBe(200);
    const second = await waitFor('the second browser to open', () => opened[1], { timeoutMs: 30_000 });
    expect(second.server).toBe(other.config.server.url.href);
    expect(other.authorizer.waitingForTurn).toBeUndefined();
    expect((await withTimeout('driving the second login', driveLogin(second.url), 20_000)).status).toBe(200);
    await withTimeout('both logins', Promise.all(logins), 30_000);

    // Strictly one after the other: no other login was under way when either browser opened.
    expect(opened.map((o) => o.underWay)).toEqual([[], []]);
    expect(events.filter((e) => e.startsWith('open'))).toEqual([`open ${first.server}`, `open ${second.server}`]);
    expect(provider.counters.authorizationRequests).toBe(2);
    for (const a of authorizers) expect(await a.accepted(await a.authorizer.accessToken())).toBe(true);
    expect(queue.current).toBeUndefined();
    expect(queue.waiting).toBe(0);
  });

  it('a first login that fails (the user cancels) gives the turn to the second, which succeeds', async () => {
    const queue = new LoginQueue();
    const { authorizers, events, opened } = await twoServers(queue);
    const outcomes = authorizers.map((a) =>
      a.loginNow().then(
        () => (events.push(`done ${a.config.server.url.href}`), 'ok'),
        () => (events.push(`failed ${a.config.server.url.href}`), 'failed'),
      ),
    );
    const first = await waitFor('the first browser to open', () => opened[0], { timeoutMs: 15_000 });
    const [one, other] = split(authorizers, first.server);
    await waitFor('the second login to wait for its turn', () => other.authorizer.waitingForTurn, { timeoutMs: 15_000 });
    expect(opened).toHaveLength(1);

    // The user cancels at the consent page: the provider sends access_denied back to the first login's callback.
    await withTimeout('cancelling the first login', driveLogin(first.url, { deny: 'consent' }), 20_000);
    const second = await waitFor('the second browser to open', () => opened[1], { timeoutMs: 30_000 });
    expect(second.server).toBe(other.config.server.url.href);
    expect((await withTimeout('driving the second login', driveLogin(second.url), 20_000)).status).toBe(200);
    const results = await withTimeout('both logins', Promise.all(outcomes), 30_000);

    expect(results[authorizers.indexOf(one)]).toBe('failed');
    expect(results[authorizers.indexOf(other)]).toBe('ok');
    expect(opened.map((o) => o.underWay)).toEqual([[], []]);
    expect(events.indexOf(`failed ${first.server}`)).toBeGreaterThanOrEqual(0);
    expect(one.authorizer.pendingLoginUrl).toBeUndefined();
    expect(await other.accepted(await other.authorizer.accessToken())).toBe(true);
  });

  it('device logins take turns too: the second code is shown only after the first device login ended', async () => {
    const queue = new LoginQueue();
    const { authorizers, opened } = await twoServers(queue, { deviceCode: true });
    const logins = authorizers.map((a) => a.loginNow());
    for (const login of logins) login.catch(() => undefined);
    const one = await waitFor('a device login to show its code', () => authorizers.find((a) => a.authorizer.pendingLoginUrl), { timeoutMs: 15_000 });
    const other = authorizers.find((a) => a !== one)!;
    expect(await waitFor('the other device login to wait for its turn', () => other.authorizer.waitingForTurn, { timeoutMs: 15_000 })).toBe(one.config.server.url.href);
    expect(other.authorizer.pendingLoginUrl).toBeUndefined();
    expect(one.log()).toMatch(/enter the code/);
    expect(other.log()).not.toMatch(/enter the code/);

    await withTimeout('the user approving the first device', driveDeviceLogin(one.authorizer.pendingLoginUrl!), 20_000);
    const second = await waitFor('the second device login to show its code', () => other.authorizer.pendingLoginUrl, { timeoutMs: 30_000 });
    expect(one.authorizer.pendingLoginUrl).toBeUndefined();
    await withTimeout('the user approving the second device', driveDeviceLogin(second), 20_000);
    await withTimeout('both device logins', Promise.all(logins), 30_000);
    expect(opened).toEqual([]); // no browser for a device login
    for (const a of authorizers) expect(await a.accepted(await a.authorizer.accessToken())).toBe(true);
  }, 90_000);

  it('a login waiting for its turn holds no cross-process lock: another process logs in to that server meanwhile, and the waiting login then uses that login without a browser', async () => {
    const queue = new LoginQueue();
    const { provider, authorizers, opened, configDir, clock } = await twoServers(queue);
    const logins = authorizers.map((a) => a.loginNow());
    for (const login of logins) login.catch(() => undefined);
    const first = await waitFor('the first browser to open', () => opened[0], { timeoutMs: 15_000 });
    const [, waiting] = split(authorizers, first.server);
    await waitFor('the second login to wait for its turn', () => waiting.authorizer.waitingForTurn, { timeoutMs: 15_000 });

    // Another bridge process (its own queue) logs in to the server whose login waits: its lock is free.
    const elsewhereOpened: string[] = [];
    const elsewhere = await inProcessAuthorizer({
      input: { url: waiting.config.server.url.href, tokenStore: 'file', configDir, authTimeout: '60s' },
      clock,
      openBrowser: async (url) => void elsewhereOpened.push(url),
    });
    const elsewhereLogin = elsewhere.loginNow();
    const url = await waitFor('the other process to open its browser (not blocked by a lock)', () => elsewhereOpened[0], { timeoutMs: 15_000 });
    expect((await withTimeout('driving the other process\'s login', driveLogin(url), 20_000)).status).toBe(200);
    await withTimeout('the other process\'s login', elsewhereLogin, 20_000);

    // The first login ends; the waiting one's turn comes, and it uses the login just stored instead of a browser.
    expect((await withTimeout('driving the first login', driveLogin(first.url), 20_000)).status).toBe(200);
    await withTimeout('both logins', Promise.all(logins), 30_000);
    expect(opened).toHaveLength(1);
    expect(waiting.log()).toContain('using the login another mcp-auth-bridge process just completed');
    expect(await waiting.authorizer.accessToken()).toBe(await elsewhere.authorizer.accessToken());
    expect(await waiting.accepted(await waiting.authorizer.accessToken())).toBe(true);
    expect(provider.counters.authorizationRequests).toBe(2);
  });
});

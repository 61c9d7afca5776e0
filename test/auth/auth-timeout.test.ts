// While a login is pending, client requests wait for it; when --auth-timeout passes without a login they get a
// JSON-RPC error that says the login timed out and the next request starts a new one — without the login URL, whose
// callback has closed (regression: the error sent users to that dead link). The bridge stays up: the next
// initialize starts a new login, with the same client registration, that works.
import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { authArgs, connectWithLogin, isAlive, loginUrlsIn, tempDir, whoami } from '../helpers/auth-bridge.js';
import { storedLogins } from '../helpers/auth-secrets.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { driveLogin, startAuthStack } from '../helpers/oidc/index.js';
import { requestEnd } from '../helpers/outcomes.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

useTeardown();

const initialize = (id: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

describe('--auth-timeout', () => {
  it('requests wait for a pending login and, when it times out, get an error without the dead link; the next login reuses the registration', async () => {
    const stack = await startAuthStack();
    const raw = spawnBridgeRaw([...authArgs(tempDir()), '--auth-timeout', '3s', '--no-browser', stack.server.url]);
    const started = Date.now();
    raw.send(initialize(1));
    const url = await waitFor('the login URL on stderr', () => loginUrlsIn(raw.stderr())[0], { timeoutMs: 15_000 });
    raw.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });

    // Nothing is answered while the login is pending.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(raw.messages.filter((m) => 'id' in m && (m.id === 1 || m.id === 2))).toEqual([]);

    const first = await requestEnd(raw, 1, 20_000);
    const second = await requestEnd(raw, 2, 20_000);
    const waited = Date.now() - started;
    expect(first.kind, JSON.stringify(first)).toBe('error');
    expect(second.kind, JSON.stringify(second)).toBe('error');
    if (first.kind !== 'error' || second.kind !== 'error') return;
    expect(first.message).not.toContain(url);
    expect(second.message).not.toContain(url);
    expect(first.message).toContain('not completed within 3 s');
    expect(first.message).toContain('the next request starts a new one');
    expect(waited).toBeGreaterThanOrEqual(2_500);
    expect(raw.exitStatus()).toBeUndefined();

    // The callback server is gone: a late browser gets a clear page, not a hang.
    const late = await fetch(new URL(url).searchParams.get('redirect_uri')!).then(
      (r) => r.status,
      () => 'refused',
    );
    expect([410, 'refused']).toContain(late);

    // Still serving: a new initialize starts a new login, which works.
    raw.send(initialize(3));
    const next = await waitFor('a second login URL', () => loginUrlsIn(raw.stderr())[1], { timeoutMs: 15_000 });
    expect((await driveLogin(next)).status).toBe(200);
    const end = await requestEnd(raw, 3, 20_000);
    expect(end.kind, JSON.stringify(end)).toBe('result');
    expect(stack.provider.counters.authorizationRequests).toBe(1); // the timed-out URL was never opened
    expect(stack.provider.counters.registrations).toBe(1); // the new login reused the registration
    expect(new URL(next).searchParams.get('client_id')).toBe(new URL(url).searchParams.get('client_id'));
  });

  // Regression: a request sent while a login was pending waited for it, then (its failure swallowed) went out without
  // a token, got 401 and started a second login of its own, instead of failing with the first one's error.
  it('mid-session: every request sent while the login is pending fails when it times out (no dead link), and no new login starts by itself', async () => {
    const stack = await startAuthStack({ provider: { accessTokenTtlSeconds: 3 } });
    const { provider, server } = stack;
    const configDir = tempDir();
    const { bridge } = await connectWithLogin({ url: server.url, configDir, args: ['--auth-timeout', '4s'] });
    expect((await whoami(bridge)).sub).toBe('alice');

    // The login dies (grants revoked) and the access token expires: the next call needs a new interactive login.
    provider.revokeAllGrants();
    const expiresAt = Number(storedLogins(configDir)[0]!.json.metadata.expiresAt);
    await sleep(Math.max(0, expiresAt - Date.now() + 500));
    const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => String(e));
    const a = outcome(whoami(bridge, 30_000));
    const pending = await bridge.waitForLoginUrl(1, 15_000);
    await sleep(300);
    const b = outcome(whoami(bridge, 30_000)); // sent while the login is pending
    const [ea, eb] = await withTimeout('both calls to end', Promise.all([a, b]), 25_000);
    expect(ea).toContain('not completed within 4 s');
    expect(eb, 'the request sent during the pending login').toContain('not completed within 4 s');
    expect(ea).not.toContain(pending);
    expect(eb).not.toContain(pending);
    await sleep(500);
    expect(bridge.loginUrls(), 'a new login started without any request asking for it').toHaveLength(2);
    expect(isAlive(bridge.pid())).toBe(true);
  });
});

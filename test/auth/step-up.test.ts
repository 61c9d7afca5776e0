// 403 insufficient_scope → step-up: the first login grants `mcp:read`; the fixture's `admin` tool needs `mcp:write`,
// so calling it answers 403 with `scope="mcp:read mcp:write"`; the bridge logs in again for the union of scopes and
// replays the call. Bounded: when the provider never grants the scope, the bridge stops asking.
import { describe, expect, it } from 'vitest';
import { connectWithLogin, tempDir, whoami, type AuthBridge } from '../helpers/auth-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { driveLogin, startAuthStack, type AuthStackOptions } from '../helpers/oidc/index.js';
import { withTimeout } from '../helpers/wait.js';

useTeardown();

async function stack(options: AuthStackOptions = {}) {
  const s = await startAuthStack(options);
  return s;
}

/** The visible text of one of the bridge's callback pages (heading and paragraphs). */
function pageText(html: string): string {
  return [...html.matchAll(/<(h1|p)>(.*?)<\/\1>/g)].map((m) => m[2]!.replace(/<[^>]+>/g, '')).join(' | ');
}

function textOf(result: Record<string, unknown>): string {
  return ((result.content as { text?: string }[] | undefined) ?? []).map((c) => c.text ?? '').join('');
}

/** Calls `admin` and drives the step-up login it starts; returns the pending call and the login's outcome. */
async function stepUp(bridge: AuthBridge, loginIndex: number) {
  const call = bridge.client.callTool({ name: 'admin', arguments: {} });
  call.catch(() => undefined);
  const stepUpUrl = await bridge.waitForLoginUrl(loginIndex);
  const scopes = new URL(stepUpUrl).searchParams.get('scope')?.split(' ') ?? [];
  expect(scopes).toEqual(expect.arrayContaining(['mcp:read', 'mcp:write']));
  const login = await withTimeout('driving the step-up login', driveLogin(stepUpUrl), 15_000);
  return { call, login };
}

describe('403 insufficient_scope step-up', () => {
  // Regression: the dynamic registration was made with the first login's scopes only (RFC 7591 `scope` limits what the
  // client may ask for), so the provider answered the step-up with invalid_scope.
  it('with a dynamically registered client: logs in again for the union of scopes and the refused call succeeds', async () => {
    const { provider, server } = await stack();
    const { bridge } = await connectWithLogin({ url: server.url, configDir: tempDir() });
    const before = await whoami(bridge);
    expect(before.scopes).toContain('mcp:read');
    expect(before.scopes).not.toContain('mcp:write');

    const { call, login: second } = await stepUp(bridge, 1);
    expect(pageText(second.body)).toContain('Logged in');
    const result = await withTimeout('the admin call after step-up', call, 20_000);
    expect(result.isError ?? false).toBe(false);
    expect(textOf(result)).toBe('admin ok');
    expect((await whoami(bridge)).scopes).toEqual(expect.arrayContaining(['mcp:read', 'mcp:write']));
    expect(provider.counters.authorizationRequests).toBe(2);
    expect(server.counters.forbidden).toBe(1);
  });

  it('with a pre-registered client (--client-id): logs in again for the union of scopes and the call succeeds', async () => {
    const { provider, server } = await stack();
    const { bridge } = await connectWithLogin({ url: server.url, configDir: tempDir(), args: ['--client-id', provider.publicClient.clientId] });
    expect((await whoami(bridge)).scopes).not.toContain('mcp:write');
    const { call, login } = await stepUp(bridge, 1);
    expect(login.body).toContain('Logged in');
    const result = await withTimeout('the admin call after step-up', call, 20_000);
    expect(textOf(result)).toBe('admin ok');
    expect(provider.counters.authorizationRequests).toBe(2);
    expect(provider.counters.registrations).toBe(0);
  });

  it('is bounded: when the provider never grants the scope, the bridge stops logging in and answers an error', async () => {
    // The provider does not know mcp:write, so it never grants it (it drops unknown scopes silently).
    const { provider, server } = await stack({ provider: { scopes: ['openid', 'profile', 'email', 'offline_access', 'mcp:read'] } });
    const { bridge } = await connectWithLogin({ url: server.url, configDir: tempDir(), args: ['--client-id', provider.publicClient.clientId] });
    let logins = 1;
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      const call = bridge.client.callTool({ name: 'admin', arguments: {} }).then(
        (r) => `result: ${textOf(r)}`,
        (e: unknown) => `error: ${String(e)}`,
      );
      // Either the call ends, or the bridge starts another login (then drive it and wait for the call).
      const next = await withTimeout(
        `admin call #${attempt + 1} to end or start a login`,
        Promise.race([call, bridge.waitForLoginUrl(logins, 20_000).then((url) => ({ url }))]),
        25_000,
      );
      if (typeof next !== 'string') {
        logins++;
        await withTimeout('driving a step-up login', driveLogin(next.url), 15_000);
      }
      outcomes.push(await withTimeout('the admin call', call, 20_000));
      if (typeof next === 'string') break; // ended without a new login: the bridge gave up
    }
    expect(outcomes.every((o) => o.startsWith('error')), outcomes.join('\n')).toBe(true);
    expect(outcomes.at(-1)).toMatch(/scope/);
    expect(logins, outcomes.join('\n')).toBeLessThanOrEqual(3);
    expect(outcomes.length, 'the bridge kept logging in for every call').toBeLessThan(6);
    expect(provider.counters.authorizationRequests).toBe(logins);
    // Still serving what the login does allow.
    expect((await whoami(bridge)).sub).toBe('alice');
  });
});

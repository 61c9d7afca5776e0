// MCP 2026-07-28 (SEP-2352): client credentials are bound to the authorization server that issued them. A running
// bridge logged in at provider A; the server's protected-resource metadata then names provider B and its tokens
// from A are refused (401). The bridge registers anew at B and logs in there; B never sees A's client id, nor
// anything else of A's. (issuer-trust.test.ts covers the same move between runs, with stored and pre-registered
// clients.)
import { describe, expect, it } from 'vitest';
import { connectWithLogin, tempDir, whoami } from '../helpers/auth-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { driveLogin, startOidcProvider, startProtectedMcpServer } from '../helpers/oidc/index.js';
import { storedLogins } from '../helpers/auth-secrets.js';
import { withTimeout } from '../helpers/wait.js';

useTeardown();

describe('the server moves to another authorization server while the bridge runs', () => {
  it('a dynamically registered client registers anew at B and logs in there; nothing of A reaches B; A\'s login stays', async () => {
    const a = await startOidcProvider({ signingKeyName: 'issuer-a' });
    const b = await startOidcProvider({ signingKeyName: 'issuer-b' });
    const server = await startProtectedMcpServer({ issuer: a.issuer });
    const configDir = tempDir();
    const { bridge } = await connectWithLogin({ url: server.url, configDir, label: 'moving' });
    expect((await whoami(bridge)).sub).toBe('alice');
    const aClientId = new URL(bridge.loginUrls()[0]!).searchParams.get('client_id')!;
    expect(aClientId).toBeTruthy();
    expect(a.counters.registrations).toBe(1);

    server.trust(b.issuer);
    const call = whoami(bridge, 30_000);
    const url = new URL(await bridge.waitForLoginUrl(1));
    expect(url.origin).toBe(b.issuer);
    expect(url.searchParams.get('client_id')).not.toBe(aClientId);
    await withTimeout('the login at B', driveLogin(url, { user: 'bob' }), 15_000);
    expect((await call).sub).toBe('bob');

    expect(b.counters.registrations).toBe(1);
    expect(b.received(aClientId)).toBe(false);
    expect(b.counters.refreshTokenRequests).toBe(0);
    const issuers = storedLogins(configDir).map((l) => l.json.metadata.issuer);
    expect(issuers).toContain(a.issuer);
    expect(issuers).toContain(b.issuer);
  });
});
